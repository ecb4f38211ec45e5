import type { SourceDescriptor } from './restore-source.js';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { formatBytes } from '../../shared/output/format.js';
import { formatDuration, parseInstant } from '../../shared/time/clock.js';
import type { AgentContext } from '../agent-context.js';
import type { RunbookName } from '../runbooks/runbook.js';
import type { StepEvent } from '../runbooks/runner.js';
import type { Diagnosis, SourceCandidate } from './diagnose.js';
import type { SetSourceInstance } from './offsite-source.js';
import { recoverInstance, type PlanView } from './recover.js';
import type { RunReport } from './report.js';

/**
 * The arguments of the coordinator's `restore` and `recover` jobs (Command.args_json).
 * - `backup`: a local copy id or an offsite set id, or `latest` (the newest valid source);
 * - `before`: the newest source whose snapshot is at or before this ISO time (the AOF archive to
 *   the second when it covers it), or `latest`: the newest second of the AOF archive;
 * - `from`: whose data (restore into another instance: `redback restore --target-instance`);
 * - `withConfig`: also put back redis.conf and the ACL file (offsite sets carry them);
 * - `dryRun`: diagnose and plan only (the chosen copy is read end to end), change nothing.
 */
export interface RestoreJobArgs {
  backup?: string;
  before?: string;
  from?: SetSourceInstance;
  withConfig?: boolean;
  dryRun?: boolean;
  /** A copy held by another agent (`--source agent:ID`): the remote-agent-source descriptor, with its transfer id unless a dry run. */
  remote?: SourceDescriptor;
}

export type RestoreJobKind = 'restore' | 'recover';

/** Where the job reports: one call per step (done = total = 0, message = the step line) and bytes while fetching. */
export type JobReport = (phase: string, done: number, total: number, message?: string) => void;

/** What a restore or recover job answers (its JSON is the job's result in the catalog). */
export interface RestoreJobResult {
  kind: RestoreJobKind;
  instance: string;
  dryRun: boolean;
  /** planned (dry run) | succeeded | failed | rolled-back | needs-attention | healthy (recover: nothing to do) */
  status: string;
  scenario: Diagnosis['scenario'];
  runbook: RunbookName | null;
  reason: string;
  source: {
    kind: SourceCandidate['kind'];
    id: string;
    label: string;
    snapshotAt: string | null;
    keys: number;
    keyspace: Record<string, number>;
    /** Bytes the restore reads (offsite: stored size of the set; local: the RDB). */
    bytes: number | null;
    /** Whose data it is (agent and instance). */
    from: SetSourceInstance | null;
  } | null;
  /** The writes lost by restoring the source: from its snapshot time to now. */
  dataLoss: { since: string | null; windowMs: number | null; text: string | null } | null;
  plan: { runbook: string; summary: string; steps: Array<{ index: number; name: string; description: string }> } | null;
  steps: RunReport['steps'];
  /** Keys per database after the restore (INFO keyspace). */
  keysRestored: Record<string, number> | null;
  keys: number | null;
  keysExpected: number | null;
  durationMs: number;
  runId: string | null;
  journalFile: string | null;
  quarantineDir: string | null;
  warnings: string[];
  error: { code: string; message: string; hint?: string } | null;
}

/** Reads and checks job args; bad ones are USAGE errors (nothing is touched). */
export function parseRestoreJobArgs(args: Record<string, unknown>): RestoreJobArgs {
  const out: RestoreJobArgs = {};
  const str = (name: string): string | undefined => {
    const v = args[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new RedbackError('USAGE', `restore job argument ${name} must be a string`);
    return v;
  };
  const backup = str('backup');
  const before = str('before');
  if (backup && before) throw new RedbackError('USAGE', 'a restore names a backup or a time (before), not both');
  if (backup) out.backup = backup;
  if (before === 'latest') out.before = before; // the newest second of the AOF archive
  else if (before) {
    try {
      parseInstant(before);
    } catch (err) {
      throw new RedbackError('USAGE', `restore job argument before: ${(err as Error).message}`);
    }
    out.before = before;
  }
  const from = args.from as Partial<SetSourceInstance> | undefined;
  if (from !== undefined && from !== null) {
    if (typeof from.agentId !== 'string' || typeof from.instance !== 'string' || !from.agentId || !from.instance) {
      throw new RedbackError('USAGE', 'restore job argument from must be {agentId, instance}');
    }
    out.from = { agentId: from.agentId, instance: from.instance };
  }
  const remote = args.remote as Partial<SourceDescriptor> | undefined;
  if (remote !== undefined && remote !== null) {
    if (remote.kind !== 'remote' || typeof remote.id !== 'string' || typeof remote.manifestJson !== 'string' || typeof remote.sourceAgentId !== 'string') {
      throw new RedbackError('USAGE', 'restore job argument remote must be {kind: remote, id, sourceAgentId, manifestJson, transferId}');
    }
    out.remote = remote as SourceDescriptor;
  }
  if (args.withConfig === true) out.withConfig = true;
  if (args.dryRun === true) out.dryRun = true;
  return out;
}

/**
 * A restore or recovery the coordinator asked for, run with the agent's one runbook engine
 * (recoverInstance: diagnose → plan → pre-flight → fetch-and-verify → ... under the instance lock):
 * - `recover`: the diagnosis chooses the runbook (restart, repair-aof, restore-local/offsite);
 * - `restore`: always the restore runbook, from the named copy or set (`backup`), the newest one
 *   at or before `before`, or the newest valid one (`latest`).
 * Each step is reported as it starts and ends, bytes while the copy is fetched. A failed run throws
 * its error with the result in `details.jobResult` (the catalog keeps the steps of failed runs too).
 */
export async function runRestoreJob(ctx: AgentContext, instance: InstanceConfig, kind: RestoreJobKind, args: RestoreJobArgs, report: JobReport): Promise<RestoreJobResult> {
  const started = Date.now();
  const backupId = args.backup && args.backup !== 'latest' ? args.backup : undefined;
  const latest = args.before === 'latest';
  const before = args.before && !latest ? parseInstant(args.before) : undefined;
  // A restore without a named copy or time restores the newest valid source, whatever the diagnosis says.
  const runbook: RunbookName | undefined = kind === 'restore' && !backupId && !before && !latest ? 'restore-local' : undefined;
  let planned: PlanView | null = null;
  const outcome = await recoverInstance(ctx, instance, {
    dryRun: args.dryRun === true,
    ...(backupId ? { backupId } : {}),
    ...(before ? { before } : {}),
    ...(latest ? { latest: true } : {}),
    ...(runbook ? { runbook } : {}),
    ...(args.from ? { sourceInstance: args.from } : {}),
    ...(args.remote ? { remote: args.remote } : {}),
    withConfig: args.withConfig === true,
    onDiagnosis: (d) => report('diagnose', 0, 0, `diagnosis: ${d.scenario}: ${d.reason}`),
    onPlan: (plan) => {
      planned = plan;
      report('plan', 0, 0, `plan: ${plan.runbook} (${plan.steps.length} steps): ${plan.steps.map((s) => s.name).join(' → ')}`);
    },
    onEvent: stepReporter(report),
  });
  const { diagnosis, plan, report: run, error } = outcome;
  const source = diagnosis.source && plan?.runbook.startsWith('restore') ? diagnosis.source : null;
  const now = ctx.clock.now();
  const result: RestoreJobResult = {
    kind,
    instance: instance.name,
    dryRun: outcome.dryRun,
    status: run ? run.status : outcome.dryRun ? (plan ? 'planned' : diagnosis.scenario === 'healthy' ? 'healthy' : 'nothing-to-do') : diagnosis.scenario === 'healthy' ? 'healthy' : 'nothing-to-do',
    scenario: diagnosis.scenario,
    runbook: (plan?.runbook as RunbookName | undefined) ?? diagnosis.runbook,
    reason: diagnosis.reason,
    source: source
      ? {
          kind: source.kind,
          id: source.id,
          label: source.label,
          snapshotAt: source.snapshotAt,
          keys: source.keys,
          keyspace: source.keyspace,
          bytes: source.bytes ?? null,
          from: fromOf(source, instance.name),
        }
      : null,
    dataLoss: source
      ? { since: source.snapshotAt, windowMs: source.snapshotAt ? Math.max(0, now.getTime() - new Date(source.snapshotAt).getTime()) : null, text: diagnosis.loss }
      : null,
    plan: plan ? { runbook: plan.runbook, summary: plan.summary, steps: plan.steps } : planned,
    steps: run?.steps ?? [],
    keysRestored: run?.keyspace ? Object.fromEntries(Object.entries(run.keyspace).map(([db, v]) => [db, v.keys])) : null,
    keys: run?.keys ?? null,
    keysExpected: run?.keysExpected ?? null,
    durationMs: run?.durationMs ?? Date.now() - started,
    runId: run?.runId ?? null,
    journalFile: run?.journalFile ?? null,
    quarantineDir: run?.quarantineDir ?? null,
    warnings: [...diagnosis.warnings, ...(run?.warnings ?? [])],
    error: error ? { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) } : null,
  };
  if (error) {
    throw new RedbackError(error.code, error.message, { ...(error.hint ? { hint: error.hint } : {}), cause: error, details: { ...error.details, jobResult: result } });
  }
  if (!outcome.dryRun && !plan && kind === 'restore') {
    throw new RedbackError('NOT_FOUND', `nothing to restore ${instance.name} from: ${diagnosis.reason}`, { hint: 'list copies with: redback backups --instance NAME', details: { jobResult: result } });
  }
  return result;
}

/** Whose data a candidate holds; null for the instance's own dump.rdb. */
function fromOf(source: SourceCandidate, instance: string): SetSourceInstance | null {
  const d = source.descriptor;
  const owner = d.owner as SetSourceInstance | undefined;
  if (owner) return owner;
  if (source.kind === 'local-copy') return { agentId: '', instance: typeof d.instance === 'string' ? d.instance : instance };
  return null;
}

/** Step events as job progress: a line when a step starts, ends or notes something; bytes while fetching. */
function stepReporter(report: JobReport): (event: StepEvent) => void {
  const startedAt = new Map<string, number>();
  let lastLine = 0;
  return (e) => {
    const tag = `[${e.index}/${e.total}] ${e.step}`;
    switch (e.status) {
      case 'started':
        startedAt.set(e.step, Date.now());
        return report(e.step, 0, 0, `${tag}: ${e.message ?? ''}`);
      case 'done':
        return report(e.step, 0, 0, `${tag}: done (${formatDuration(Date.now() - (startedAt.get(e.step) ?? Date.now()))})`);
      case 'failed':
        return report(e.step, 0, 0, `${tag}: FAILED: ${e.message ?? ''}`);
      case 'note':
        return report(e.step, 0, 0, `${tag}: ${e.message ?? ''}`);
      case 'warning':
        return report(e.step, 0, 0, `${tag}: WARNING: ${e.message ?? ''}`);
      case 'rollback-started':
        return report(e.step, 0, 0, `${tag}: rolling back`);
      case 'rolled-back':
        return report(e.step, 0, 0, `${tag}: rolled back`);
      case 'rollback-failed':
        return report(e.step, 0, 0, `${tag}: ROLLBACK FAILED: ${e.message ?? ''}`);
      case 'progress':
        if (e.bytes) return report(e.step, e.bytes.done, e.bytes.total, `${formatBytes(e.bytes.done)} / ${formatBytes(e.bytes.total)}`);
        // Waits (loading, AOF rewrite) say how they go every few seconds, not at every poll.
        if (Date.now() - lastLine < 3000) return;
        lastLine = Date.now();
        return report(e.step, 0, 0, `${tag}: ${e.message ?? ''}`);
    }
  };
}
