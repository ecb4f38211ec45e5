import { randomBytes } from 'node:crypto';
import { asRedbackError, RedbackError } from '../../shared/errors/index.js';
import { compactTimestamp } from '../../shared/fs/durable.js';
import type { Logger } from '../../shared/log/logger.js';
import { failpoint } from '../../shared/testing/failpoints.js';
import { UNFINISHED_STATUSES as UNFINISHED, type JournalStep, type JournalStore, type RunJournal } from './journal.js';
import { planOf, type Runbook, type StepEnv } from './runbook.js';

export interface StepEvent {
  runId: string;
  step: string;
  index: number;
  total: number;
  status: 'started' | 'done' | 'failed' | 'rollback-started' | 'rolled-back' | 'rollback-failed' | 'progress' | 'note' | 'warning';
  message?: string;
  fraction?: number;
  /** progress of a transfer (fetch-and-verify): bytes done of total. */
  bytes?: { done: number; total: number };
}

export interface RunOptions {
  onEvent?: (event: StepEvent) => void;
  signal?: AbortSignal;
  /** Roll back automatically when a step fails (default true). */
  rollbackOnFailure?: boolean;
  /** Clock for run ids and journal times (default: the system clock). */
  now?: () => Date;
}

/** The error a failed run throws: the step's error, with the journal as it ended. */
export type RunError = RedbackError & { runJournal: RunJournal };

export function runJournalOf(err: unknown): RunJournal | null {
  return (err as Partial<RunError> | null)?.runJournal ?? null;
}

/**
 * Executes runbooks: one step at a time, each logged, reported and journaled before and after it
 * runs, so an interrupted run is visible and can be resumed (steps that finished are skipped; the
 * step that was running runs again, so steps must be idempotent) or rolled back (completed and
 * half-finished steps undone in reverse order, stopping at a point of no return).
 *
 * Journal statuses: `running` → `succeeded`; or on failure `failed` → `rolling-back` →
 * `rolled-back` (or `needs-attention` when a point of no return or a failing rollback stops it;
 * or stays `failed` with rollbackOnFailure false). A process killed midway leaves `running` or
 * `rolling-back` on disk; JournalStore.unfinished() finds it.
 */
export class RunbookRunner {
  constructor(
    private readonly journals: JournalStore,
    private readonly logger: Logger,
  ) {}

  async run<S>(runbook: Runbook<S>, instance: string, state: S, options: RunOptions = {}): Promise<RunJournal> {
    const now = options.now ?? (() => new Date());
    const journal: RunJournal = {
      format: 'redback.runbook/v1',
      runId: `${compactTimestamp(now())}-${runbook.name}-${randomBytes(2).toString('hex')}`,
      runbook: runbook.name,
      instance,
      status: 'running',
      startedAt: now().toISOString(),
      state,
      steps: planOf(runbook, state).map((p) => ({ name: p.name, status: 'pending', notes: [] })),
    };
    await this.journals.save(journal);
    return this.execute(runbook, journal, options);
  }

  /** Continues an unfinished run: the step that was running (or failed) is run again. */
  async resume<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions = {}): Promise<RunJournal> {
    this.checkMatches(runbook, journal);
    if (journal.status === 'succeeded' || journal.status === 'rolled-back' || journal.status === 'closed') {
      throw new RedbackError('USAGE', `run ${journal.runId} already ended (${journal.status}); nothing to resume`);
    }
    journal.status = 'running';
    delete journal.error;
    delete journal.finishedAt;
    this.logger.warn({ runId: journal.runId, runbook: runbook.name }, 'resuming interrupted runbook');
    if (runbook.beforeResume) {
      const state = journal.state as S;
      const first = Math.max(0, journal.steps.findIndex((r) => r.status !== 'done' && r.status !== 'skipped'));
      const done = (name: string) => journal.steps.some((r) => r.name === name && (r.status === 'done' || r.status === 'skipped'));
      try {
        await runbook.beforeResume(state, done, this.env(journal, journal.steps[first]!, first, runbook.steps.length, options, state));
      } catch (err) {
        const error = asRedbackError(err);
        journal.status = 'needs-attention';
        journal.finishedAt = (options.now ?? (() => new Date()))().toISOString();
        journal.error = { code: error.code, message: `cannot resume: ${error.message}`, ...(error.hint ? { hint: error.hint } : {}) };
        await this.journals.save(journal);
        throw Object.assign(error, { runJournal: journal });
      }
      journal.state = state;
      await this.journals.save(journal);
    }
    return this.execute(runbook, journal, options);
  }

  /**
   * Closes an unfinished run as it stands, doing nothing else (`recover --close`): the way out when
   * neither resuming nor rolling back is wanted (a human fixed things by hand). Steps that were not
   * finished or undone become `kept`; the run becomes `closed` and no longer blocks new runs.
   */
  async close(journal: RunJournal, reason: string, options: Pick<RunOptions, 'now'> = {}): Promise<RunJournal> {
    if (!UNFINISHED.has(journal.status)) {
      throw new RedbackError('USAGE', `run ${journal.runId} already ended (${journal.status}); nothing to close`);
    }
    const previous = journal.status;
    for (const record of journal.steps) {
      if (record.status === 'pending' || record.status === 'running' || record.status === 'failed') {
        record.notes.push(`kept as it was when the run was closed (${previous})`);
        record.status = 'kept';
      }
    }
    journal.status = 'closed';
    journal.finishedAt = (options.now ?? (() => new Date()))().toISOString();
    journal.closed = { reason, previousStatus: previous };
    await this.journals.save(journal);
    this.logger.warn({ runId: journal.runId, previous }, 'unfinished run closed as it stood');
    return journal;
  }

  /** Undoes the completed (and half-finished) steps of a run in reverse order. */
  async rollback<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions = {}): Promise<RunJournal> {
    this.checkMatches(runbook, journal);
    if (journal.status === 'rolled-back') return journal;
    await this.undo(runbook, journal, options);
    await this.journals.save(journal);
    return journal;
  }

  private checkMatches<S>(runbook: Runbook<S>, journal: RunJournal): void {
    const names = runbook.steps.map((s) => s.name).join(',');
    const recorded = journal.steps.map((s) => s.name).join(',');
    if (journal.runbook !== runbook.name || names !== recorded) {
      throw new RedbackError('INTERNAL', `journal ${journal.runId} (${journal.runbook}: ${recorded}) does not match runbook ${runbook.name} (${names})`, {
        hint: 'the run was made by another redback version; finish it by hand using the journal',
      });
    }
  }

  private async execute<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions): Promise<RunJournal> {
    const now = options.now ?? (() => new Date());
    const state = journal.state as S;
    const total = runbook.steps.length;
    for (let i = 0; i < total; i++) {
      const step = runbook.steps[i]!;
      const record = journal.steps[i]!;
      if (record.status === 'done' || record.status === 'skipped') continue;
      const env = this.env(journal, record, i, total, options, state);
      record.status = 'running';
      record.startedAt = now().toISOString();
      delete record.error;
      await this.journals.save(journal);
      options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'started', message: step.describe(state) });
      this.logger.info({ runId: journal.runId, runbook: runbook.name, step: step.name, index: i + 1, total }, 'step started');
      try {
        if (options.signal?.aborted) throw new RedbackError('CANCELLED', 'runbook cancelled');
        failpoint(`step:${step.name}:before`);
        await step.run(state, env);
        failpoint(`step:${step.name}:after`);
      } catch (err) {
        const error = asRedbackError(err);
        record.status = 'failed';
        record.error = error.message;
        record.finishedAt = now().toISOString();
        journal.state = state;
        journal.error = { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
        options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'failed', message: error.message });
        this.logger.error({ runId: journal.runId, step: step.name, code: error.code, err: error.message }, 'step failed');
        journal.status = 'failed';
        await this.journals.save(journal);
        if (options.rollbackOnFailure !== false) await this.undo(runbook, journal, options);
        await this.journals.save(journal);
        throw Object.assign(error, { runJournal: journal });
      }
      record.status = 'done';
      record.finishedAt = now().toISOString();
      journal.state = state;
      await this.journals.save(journal);
      options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'done' });
      this.logger.info({ runId: journal.runId, step: step.name }, 'step done');
    }
    journal.status = 'succeeded';
    journal.finishedAt = now().toISOString();
    await this.journals.save(journal);
    return journal;
  }

  private async undo<S>(runbook: Runbook<S>, journal: RunJournal, options: RunOptions): Promise<void> {
    const now = options.now ?? (() => new Date());
    const state = journal.state as S;
    const total = runbook.steps.length;
    journal.status = 'rolling-back';
    await this.journals.save(journal);
    for (let i = total - 1; i >= 0; i--) {
      const step = runbook.steps[i]!;
      const record = journal.steps[i]!;
      if (record.status !== 'done' && record.status !== 'failed' && record.status !== 'running') continue;
      if (record.status === 'done' && step.pointOfNoReturn) {
        journal.status = 'needs-attention';
        journal.finishedAt = now().toISOString();
        record.notes.push('not rolled back: past the point of no return (data may have been written since)');
        this.logger.error({ runId: journal.runId, step: step.name }, 'rollback stopped at a point of no return');
        return;
      }
      if (!step.rollback) {
        record.status = 'rolled-back';
        record.notes.push('nothing to undo');
        continue;
      }
      const env = this.env(journal, record, i, total, options, state);
      options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'rollback-started' });
      try {
        failpoint(`rollback:${step.name}:before`);
        await step.rollback(state, env);
        failpoint(`rollback:${step.name}:after`);
        record.status = 'rolled-back';
        journal.state = state;
        options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'rolled-back' });
        this.logger.warn({ runId: journal.runId, step: step.name }, 'step rolled back');
      } catch (err) {
        journal.status = 'needs-attention';
        journal.finishedAt = now().toISOString();
        journal.state = state;
        record.notes.push(`rollback failed: ${(err as Error).message}`);
        options.onEvent?.({ runId: journal.runId, step: step.name, index: i + 1, total, status: 'rollback-failed', message: (err as Error).message });
        this.logger.error({ runId: journal.runId, step: step.name, err: (err as Error).message }, 'rollback failed');
        await this.journals.save(journal);
        return;
      }
      await this.journals.save(journal);
    }
    journal.status = 'rolled-back';
    journal.finishedAt = now().toISOString();
  }

  private env<S>(journal: RunJournal, record: JournalStep, index: number, total: number, options: RunOptions, state?: S): StepEnv {
    const event = (status: StepEvent['status'], message: string, fraction?: number, bytes?: { done: number; total: number }) =>
      options.onEvent?.({ runId: journal.runId, step: record.name, index: index + 1, total, status, message, ...(fraction === undefined ? {} : { fraction }), ...(bytes ? { bytes } : {}) });
    return {
      runId: journal.runId,
      progress: (message, fraction, bytes) => event('progress', message, fraction, bytes),
      note: (message) => {
        record.notes.push(message);
        event('note', message);
      },
      warn: (message) => {
        (record.warnings ??= []).push(message);
        event('warning', message);
      },
      checkpoint: async () => {
        if (state !== undefined) journal.state = state;
        await this.journals.save(journal);
      },
      ...(options.signal ? { signal: options.signal } : {}),
    };
  }
}
