import type { SourceDescriptor } from './restore-source.js';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { asRedbackError, RedbackError } from '../../shared/errors/index.js';
import type { AgentContext } from '../agent-context.js';
import { JournalStore, type RunJournal } from '../runbooks/journal.js';
import type { RecoveryDeps } from './recovery-steps.js';
import { planOf, type PlannedStep, type RunbookName } from '../runbooks/runbook.js';
import { runJournalOf, RunbookRunner, type StepEvent } from '../runbooks/runner.js';
import { withInstance } from '../store/instance-guard.js';
import { diagnose, type Diagnosis } from './diagnose.js';
import { planRecovery, runbookForJournal } from './plan.js';
import { buildRunReport, type RunReport } from './report.js';
import type { SetSourceInstance } from './offsite-source.js';

export interface PlanView {
  runbook: RunbookName;
  summary: string;
  reason: string;
  steps: PlannedStep[];
  /** Set when continuing, undoing or closing an unfinished run. */
  runId?: string;
  mode: 'run' | 'resume' | 'rollback' | 'close';
  /** close: live files the run moved aside that are in quarantine now (Redis would start without them). */
  stillAside?: Array<{ from: string; to: string }>;
}

export interface RecoverOptions {
  dryRun?: boolean;
  runbook?: RunbookName;
  backupId?: string;
  /** Restore the newest source whose snapshot is at or before this instant. */
  before?: Date;
  /** Restore the newest second of the continuous AOF archive (`--before latest`). */
  latest?: boolean;
  /** Restore redis.conf and the ACL file too (offsite sets). */
  withConfig?: boolean;
  /** Restore another instance's data (its copies and offsite sets) into this one. */
  sourceInstance?: SetSourceInstance;
  /** A copy held by another agent, relayed by the coordinator (remote-agent-source.ts descriptor). */
  remote?: SourceDescriptor;
  resume?: boolean;
  rollback?: boolean;
  /** Close the unfinished run as it stands (after showing its state); nothing else is changed. */
  close?: boolean;
  timeouts?: Partial<RecoveryDeps['timeouts']>;
  /** Asked after the plan is shown; false cancels (nothing is changed). */
  confirm?: (plan: PlanView, diagnosis: Diagnosis) => Promise<boolean>;
  onDiagnosis?: (diagnosis: Diagnosis) => void;
  onPlan?: (plan: PlanView) => void;
  onEvent?: (event: StepEvent) => void;
}

export interface RecoverOutcome {
  diagnosis: Diagnosis;
  plan: PlanView | null;
  dryRun: boolean;
  /** Set when a run happened (or was resumed / rolled back). */
  report: RunReport | null;
  /** The run's error (its report says what was rolled back); null on success. */
  error: RedbackError | null;
}

/**
 * `redback agent recover` without the printing: diagnose, choose and show the plan, stop there
 * for a dry run, else confirm and run it (or resume / roll back an unfinished run), all under the
 * instance lock. A dry run takes no lock and changes nothing.
 */
export async function recoverInstance(ctx: AgentContext, instance: InstanceConfig, options: RecoverOptions = {}): Promise<RecoverOutcome> {
  if ([options.resume, options.rollback, options.close].filter(Boolean).length > 1) throw new RedbackError('USAGE', '--resume, --rollback and --close exclude each other');
  const work = () => recoverLocked(ctx, instance, options);
  return options.dryRun ? work() : withInstance(ctx, instance.name, 'recover', work);
}

async function recoverLocked(ctx: AgentContext, instance: InstanceConfig, options: RecoverOptions): Promise<RecoverOutcome> {
  const dryRun = options.dryRun === true;
  const journals = new JournalStore(ctx.layout.agentStateDir());
  // A dry run reads the chosen copy end to end to show it is good; a real run verifies it once,
  // while fetching it (still before Redis is touched), instead of reading it twice.
  const diagnosis = await diagnose(ctx, instance, {
    verify: dryRun,
    ...(options.backupId ? { backupId: options.backupId } : {}),
    ...(options.before ? { before: options.before } : {}),
    ...(options.latest ? { latest: true } : {}),
    ...(options.sourceInstance ? { sourceInstance: options.sourceInstance } : {}),
    ...(options.remote ? { remote: options.remote } : {}),
  });
  options.onDiagnosis?.(diagnosis);
  const outcome = (plan: PlanView | null, report: RunReport | null = null, error: RedbackError | null = null): RecoverOutcome => ({ diagnosis, plan, dryRun, report, error });

  if (options.resume || options.rollback || options.close) {
    const journal = await journals.unfinished(instance.name);
    const mode = options.resume ? 'resume' : options.rollback ? 'rollback' : 'close';
    if (!journal) throw new RedbackError('USAGE', `${instance.name} has no unfinished recovery run to ${mode === 'rollback' ? 'roll back' : mode}`, { hint: 'run recover without --resume/--rollback/--close' });
    const standing = buildRunReport(journal, journals.dir(instance.name));
    // Closing needs no runbook (and works for a journal this version cannot run).
    const runbook = mode === 'close' ? null : await runbookForJournal(ctx, instance, journal, options.timeouts);
    const described = runbook ? planOf(runbook, journal.state as never) : [];
    const plan: PlanView = {
      runbook: journal.runbook,
      summary: runbook?.summary ?? `close run ${journal.runId} as it stands: nothing is undone or redone`,
      reason: `${mode} run ${journal.runId} (${journal.status})`,
      // Each step with where the run left it, so the human sees what state things are in.
      steps: journal.steps.map((r, i) => ({ index: i + 1, name: r.name, description: `[${r.status}] ${described[i]?.description ?? r.notes.at(-1) ?? ''}` })),
      runId: journal.runId,
      mode,
      ...(mode === 'close' ? { stillAside: standing.stillAside } : {}),
    };
    options.onPlan?.(plan);
    if (dryRun) return outcome(plan);
    await requireConfirmation(options, plan, diagnosis);
    const runner = new RunbookRunner(journals, ctx.logger);
    const run = (): Promise<RunJournal> =>
      mode === 'resume'
        ? runner.resume(runbook!, journal, { onEvent: options.onEvent })
        : mode === 'rollback'
          ? runner.rollback(runbook!, journal, { onEvent: options.onEvent })
          : runner.close(journal, standing.stillAside.length ? `closed by hand with live data still in quarantine: ${standing.stillAside.map((m) => m.to).join(', ')}` : 'closed by hand');
    return finish(run, plan);
  }

  if (diagnosis.unfinished && !dryRun) {
    throw new RedbackError('UNSAFE_REFUSED', `an earlier recovery run of ${instance.name} did not finish: ${diagnosis.reason}`, {
      hint: `finish it first: ${escapeHint(instance.name)}; the journal is ${journals.dir(instance.name)}/${diagnosis.unfinished.runId}.json`,
    });
  }
  if (diagnosis.unfinished) return outcome(null);
  const planned = await planRecovery(ctx, instance, diagnosis, { ...(options.runbook ? { runbook: options.runbook } : {}), ...(options.timeouts ? { timeouts: options.timeouts } : {}), withConfig: options.withConfig === true });
  if (!planned) return outcome(null);
  const plan: PlanView = { runbook: planned.name, summary: planned.summary, reason: planned.reason, steps: planned.steps, mode: 'run' };
  options.onPlan?.(plan);
  if (dryRun) return outcome(plan);
  await requireConfirmation(options, plan, diagnosis);
  const runner = new RunbookRunner(journals, ctx.logger);
  return finish(() => runner.run(planned.runbook, instance.name, planned.state, { onEvent: options.onEvent }), plan);

  async function finish(run: () => Promise<RunJournal>, plan: PlanView): Promise<RecoverOutcome> {
    let journal: RunJournal;
    let error: RedbackError | null = null;
    try {
      journal = await run();
    } catch (err) {
      const failed = runJournalOf(err);
      if (!failed) throw err;
      journal = failed;
      error = asRedbackError(err);
    }
    const report = buildRunReport(journal, journals.dir(instance.name));
    // A run, resume or rollback that stopped halfway is never a success, whatever stopped it.
    if (journal.status === 'needs-attention') error = needsAttention(instance.name, report, error);
    return outcome(plan, report, error);
  }
}

/** The three documented ways out of an unfinished run. */
export function escapeHint(instance: string): string {
  return `redback agent recover --instance ${instance} --resume (continue the run), --rollback (undo it) or --close (leave things as they are and close it)`;
}

function needsAttention(instance: string, report: RunReport, cause: RedbackError | null): RedbackError {
  const why =
    report.steps.flatMap((s) => s.notes.filter((n) => /point of no return|rollback failed/.test(n)).map((n) => `${s.name}: ${n}`))[0] ??
    report.error?.message ??
    'a step could not be undone';
  return new RedbackError('NEEDS_ATTENTION', `run ${report.runId} of ${instance} needs attention: ${why}${cause && !why.includes(cause.message) ? ` (after: ${cause.message})` : ''}`, {
    hint: `read the report above and the journal ${report.journalFile}; then ${escapeHint(instance)}`,
    ...(cause ? { cause } : {}),
    details: { runId: report.runId, status: report.status, ...(cause ? { causeCode: cause.code } : {}) },
  });
}

async function requireConfirmation(options: RecoverOptions, plan: PlanView, diagnosis: Diagnosis): Promise<void> {
  if (!options.confirm) return;
  if (!(await options.confirm(plan, diagnosis))) {
    throw new RedbackError('CANCELLED', 'recovery cancelled: nothing was changed');
  }
}
