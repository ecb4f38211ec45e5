import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { asRedbackError, RedbackError } from '../../shared/errors/index.js';
import type { AgentContext } from '../agent-context.js';
import { JournalStore, type RunJournal } from '../runbooks/journal.js';
import type { RecoveryDeps } from '../runbooks/recovery-steps.js';
import { planOf, type PlannedStep, type RunbookName } from '../runbooks/runbook.js';
import { runJournalOf, RunbookRunner, type StepEvent } from '../runbooks/runner.js';
import { withInstanceLock } from '../store/instance-lock.js';
import { diagnose, type Diagnosis } from './diagnose.js';
import { planRecovery, runbookForJournal } from './plan.js';
import { buildRunReport, type RunReport } from './report.js';

export interface PlanView {
  runbook: RunbookName;
  summary: string;
  reason: string;
  steps: PlannedStep[];
  /** Set when continuing or undoing an unfinished run. */
  runId?: string;
  mode: 'run' | 'resume' | 'rollback';
}

export interface RecoverOptions {
  dryRun?: boolean;
  runbook?: RunbookName;
  backupId?: string;
  /** Restore redis.conf and the ACL file too (offsite sets). */
  withConfig?: boolean;
  resume?: boolean;
  rollback?: boolean;
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
  if (options.resume && options.rollback) throw new RedbackError('USAGE', '--resume and --rollback exclude each other');
  const work = () => recoverLocked(ctx, instance, options);
  return options.dryRun ? work() : withInstanceLock(ctx.layout.lockFile(instance.name), 'recover', work);
}

async function recoverLocked(ctx: AgentContext, instance: InstanceConfig, options: RecoverOptions): Promise<RecoverOutcome> {
  const dryRun = options.dryRun === true;
  const journals = new JournalStore(ctx.layout.agentStateDir());
  // A dry run reads the chosen copy end to end to show it is good; a real run verifies it once,
  // while fetching it (still before Redis is touched), instead of reading it twice.
  const diagnosis = await diagnose(ctx, instance, { verify: dryRun, ...(options.backupId ? { backupId: options.backupId } : {}) });
  options.onDiagnosis?.(diagnosis);
  const outcome = (plan: PlanView | null, report: RunReport | null = null, error: RedbackError | null = null): RecoverOutcome => ({ diagnosis, plan, dryRun, report, error });

  if (options.resume || options.rollback) {
    const journal = await journals.unfinished(instance.name);
    if (!journal) throw new RedbackError('USAGE', `${instance.name} has no unfinished recovery run to ${options.resume ? 'resume' : 'roll back'}`, { hint: 'run recover without --resume/--rollback' });
    const runbook = await runbookForJournal(ctx, instance, journal, options.timeouts);
    const mode = options.resume ? 'resume' : 'rollback';
    const plan: PlanView = {
      runbook: journal.runbook,
      summary: runbook.summary,
      reason: `${mode} run ${journal.runId} (${journal.status})`,
      steps: planOf(runbook, journal.state as never),
      runId: journal.runId,
      mode,
    };
    options.onPlan?.(plan);
    if (dryRun) return outcome(plan);
    await requireConfirmation(options, plan, diagnosis);
    const runner = new RunbookRunner(journals, ctx.logger);
    const run = (): Promise<RunJournal> =>
      mode === 'resume' ? runner.resume(runbook, journal, { onEvent: options.onEvent }) : runner.rollback(runbook, journal, { onEvent: options.onEvent });
    return finish(run, plan);
  }

  if (diagnosis.unfinished && !dryRun) {
    throw new RedbackError('UNSAFE_REFUSED', `an earlier recovery run of ${instance.name} did not finish: ${diagnosis.reason}`, {
      hint: `finish it first: redback agent recover --instance ${instance.name} --resume (continue) or --rollback (undo); the journal is ${journals.dir(instance.name)}/${diagnosis.unfinished.runId}.json`,
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
    try {
      const journal = await run();
      return outcome(plan, buildRunReport(journal, journals.dir(instance.name)));
    } catch (err) {
      const journal = runJournalOf(err);
      if (!journal) throw err;
      return outcome(plan, buildRunReport(journal, journals.dir(instance.name)), asRedbackError(err));
    }
  }
}

async function requireConfirmation(options: RecoverOptions, plan: PlanView, diagnosis: Diagnosis): Promise<void> {
  if (!options.confirm) return;
  if (!(await options.confirm(plan, diagnosis))) {
    throw new RedbackError('CANCELLED', 'recovery cancelled: nothing was changed');
  }
}
