import { randomBytes } from 'node:crypto';
import { asRedbackError, RedbackError } from '../../shared/errors/index.js';
import { compactTimestamp } from '../../shared/fs/durable.js';
import type { Logger } from '../../shared/log/logger.js';
import type { JournalStep, JournalStore, RunJournal } from './journal.js';
import { planOf, type Runbook, type StepEnv } from './runbook.js';

export interface StepEvent {
  runId: string;
  step: string;
  index: number;
  total: number;
  status: 'started' | 'done' | 'failed' | 'rolled-back' | 'progress' | 'note';
  message?: string;
  fraction?: number;
}

export interface RunOptions {
  onEvent?: (event: StepEvent) => void;
  signal?: AbortSignal;
  /** Roll back automatically when a step fails (default true). */
  rollbackOnFailure?: boolean;
}

/**
 * Executes runbooks: one step at a time, each logged, reported and journaled before and after it
 * runs, so an interrupted run is visible and can be resumed (steps that finished are skipped) or
 * rolled back (completed steps undone in reverse order, stopping at a point of no return).
 */
export class RunbookRunner {
  constructor(
    private readonly journals: JournalStore,
    private readonly logger: Logger,
  ) {}

  async run<S>(runbook: Runbook<S>, instance: string, state: S, options: RunOptions = {}): Promise<RunJournal> {
    const journal: RunJournal = {
      format: 'redback.runbook/v1',
      runId: `${compactTimestamp(new Date())}-${runbook.name}-${randomBytes(2).toString('hex')}`,
      runbook: runbook.name,
      instance,
      status: 'running',
      startedAt: new Date().toISOString(),
      state,
      steps: planOf(runbook, state).map((p) => ({ name: p.name, status: 'pending', notes: [] })),
    };
    await this.journals.save(journal);
    return this.execute(runbook, journal, options);
  }

  /** Continues an interrupted run: the step that was running is run again (steps are idempotent). */
  async resume<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions = {}): Promise<RunJournal> {
    if (journal.runbook !== runbook.name) throw new RedbackError('INTERNAL', `journal ${journal.runId} is for ${journal.runbook}, not ${runbook.name}`);
    journal.status = 'running';
    delete journal.error;
    this.logger.warn({ runId: journal.runId, runbook: runbook.name }, 'resuming interrupted runbook');
    return this.execute(runbook, journal, options);
  }

  /** Undoes the completed steps of a run in reverse order. */
  async rollback<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions = {}): Promise<RunJournal> {
    await this.undo(runbook, journal, options);
    await this.journals.save(journal);
    return journal;
  }

  private async execute<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions): Promise<RunJournal> {
    const state = journal.state as S;
    const total = runbook.steps.length;
    for (let i = 0; i < total; i++) {
      const step = runbook.steps[i]!;
      const record = journal.steps[i]!;
      if (record.status === 'done' || record.status === 'skipped') continue;
      const env = this.env(journal, record, i, total, options);
      record.status = 'running';
      record.startedAt = new Date().toISOString();
      await this.journals.save(journal);
      options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'started', message: step.describe(state) });
      this.logger.info({ runId: journal.runId, runbook: runbook.name, step: step.name, index: i + 1, total }, 'step started');
      try {
        if (options.signal?.aborted) throw new RedbackError('CANCELLED', 'runbook cancelled');
        await step.run(state, env);
      } catch (err) {
        const error = asRedbackError(err);
        record.status = 'failed';
        record.error = error.message;
        record.finishedAt = new Date().toISOString();
        journal.error = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
        options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'failed', message: error.message });
        this.logger.error({ runId: journal.runId, step: step.name, code: error.code, err: error.message }, 'step failed');
        journal.status = 'failed';
        if (options.rollbackOnFailure !== false) await this.undo(runbook, journal, options);
        await this.journals.save(journal);
        throw Object.assign(error, { runJournal: journal });
      }
      record.status = 'done';
      record.finishedAt = new Date().toISOString();
      journal.state = state;
      await this.journals.save(journal);
      options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'done' });
      this.logger.info({ runId: journal.runId, step: step.name }, 'step done');
    }
    journal.status = 'succeeded';
    journal.finishedAt = new Date().toISOString();
    await this.journals.save(journal);
    return journal;
  }

  private async undo<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions): Promise<void> {
    const state = journal.state as S;
    const total = runbook.steps.length;
    for (let i = total - 1; i >= 0; i--) {
      const step = runbook.steps[i]!;
      const record = journal.steps[i]!;
      if (record.status !== 'done' && record.status !== 'failed' && record.status !== 'running') continue;
      if (record.status === 'done' && step.pointOfNoReturn) {
        journal.status = 'needs-attention';
        record.notes.push('not rolled back: past the point of no return (data may have been written since)');
        this.logger.error({ runId: journal.runId, step: step.name }, 'rollback stopped at a point of no return');
        return;
      }
      if (!step.rollback) {
        if (record.status !== 'done') record.status = 'rolled-back';
        continue;
      }
      const env = this.env(journal, record, i, total, options);
      try {
        await step.rollback(state, env);
        record.status = 'rolled-back';
        options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'rolled-back' });
        this.logger.warn({ runId: journal.runId, step: step.name }, 'step rolled back');
      } catch (err) {
        journal.status = 'needs-attention';
        record.notes.push(`rollback failed: ${(err as Error).message}`);
        this.logger.error({ runId: journal.runId, step: step.name, err: (err as Error).message }, 'rollback failed');
        await this.journals.save(journal);
        return;
      }
      await this.journals.save(journal);
    }
    journal.status = 'rolled-back';
    journal.finishedAt = new Date().toISOString();
  }

  private env(journal: RunJournal, record: JournalStep, index: number, total: number, options: RunOptions): StepEnv {
    return {
      progress: (message, fraction) =>
        options.onEvent?.({ runId: journal.runId, step: record.name, index: index + 1, total, status: 'progress', message, ...(fraction === undefined ? {} : { fraction }) }),
      note: (message) => {
        record.notes.push(message);
        options.onEvent?.({ runId: journal.runId, step: record.name, index: index + 1, total, status: 'note', message });
      },
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }
}
