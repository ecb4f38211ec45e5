import { isErrorCode, RedbackError } from '../../shared/errors/index.js';
import { parseInstant } from '../../shared/time/clock.js';
import { describeSpans, isoOf } from '../../shared/offsite/recovery-window.js';
import type { InstanceRecord, JobRecord } from '../catalog/index.js';
import type { CoordinatorState } from '../coordinator-state.js';
import { resolveInstance } from '../fleet/resolve-instance.js';
import { isTerminal } from '../jobs/job-manager.js';
import { canonicalJson } from '../../shared/manifest/copy-manifest.js';
import { followTransferJob, startTransfer } from '../transfer/start-transfer.js';
import { candidateNotes, chooseSource, listCandidates, parseSourceSelector, restoreJobArgs, type RestoreCandidate, type SourceQuery } from './restore-sources.js';

/** A restore job may run for hours (a large RDB loaded, then the AOF rewritten). */
export const DEFAULT_RESTORE_TIMEOUT_MS = 6 * 3600_000;
/** How long a plan waits for the target agent's dry run (it reads the chosen local copy end to end). */
const DRY_RUN_WAIT_MS = 10 * 60_000;

export interface RestoreInput {
  instance: string;
  backup?: string;
  before?: string;
  source?: string;
  targetInstance?: string;
  withConfig?: boolean;
  timeoutMs?: number;
}

export interface RecoverInput {
  instance: string;
  timeoutMs?: number;
}

export interface RestorePlanView {
  instance: InstanceRecord;
  target: InstanceRecord;
  source: RestoreCandidate | null;
  candidates: RestoreCandidate[];
  dataLossSince: Date | null;
  dataLossSeconds: number;
  notes: string[];
  /** The target agent's dry run (its result: diagnosis, runbook, steps). */
  dryRun: JobRecord;
  withConfig: boolean;
}

interface Resolved {
  query: SourceQuery;
  candidates: RestoreCandidate[];
  chosen: RestoreCandidate;
  withConfig: boolean;
}

/**
 * Restores and recoveries driven from the coordinator. The coordinator picks the source from the
 * catalog (restore-sources.ts); the target instance's agent runs its one restore runbook on it
 * (agent/recovery/restore-job.ts), pre-flight first, and reports every step and the bytes fetched.
 */
export class RestoreService {
  constructor(private readonly state: CoordinatorState) {}

  /** The source of a restore, and the target agent's dry run of it: nothing is changed. */
  async planRestore(input: RestoreInput): Promise<RestorePlanView> {
    const r = this.resolve(input);
    const dry = await this.runDry('restore', r.query.target, { ...restoreJobArgs(r.chosen, r.query.target, { withConfig: r.withConfig, dryRun: true }), ...this.remotePlan(r.chosen) });
    const since = r.chosen.snapshotAt ?? r.chosen.createdAt;
    return {
      instance: r.query.from,
      target: r.query.target,
      source: r.chosen,
      candidates: r.candidates,
      dataLossSince: since,
      dataLossSeconds: Math.max(0, (Date.now() - since.getTime()) / 1000),
      notes: [...windowNotes(this.state, r), ...candidateNotes(r.candidates, r.chosen)],
      dryRun: dry,
      withConfig: r.withConfig,
    };
  }

  /** Creates the restore job on the target's agent (WatchJob follows it). */
  startRestore(input: RestoreInput): JobRecord {
    const r = this.resolve(input);
    this.requireConnected(r.query.target);
    const timeoutMs = input.timeoutMs && input.timeoutMs > 0 ? input.timeoutMs : DEFAULT_RESTORE_TIMEOUT_MS;
    // Another agent's copy: the relay first (the source agent is asked to send), then the restore
    // on the target, which downloads it in its fetch step (after the pre-flight checks).
    const transfer =
      r.chosen.kind === 'agent'
        ? startTransfer(this.state, { sourceAgentId: r.chosen.agentId, instance: r.chosen.instance, backupId: r.chosen.id, targetAgentId: r.query.target.agentId, timeoutMs })
        : null;
    const job = this.state.jobs.create({
      type: 'restore',
      agentId: r.query.target.agentId,
      instance: r.query.target.name,
      args: {
        ...restoreJobArgs(r.chosen, r.query.target, { withConfig: r.withConfig, dryRun: false }),
        ...(transfer ? { remote: transfer.source } : {}),
        source: describeCandidate(r.chosen),
      },
      timeoutMs,
    });
    if (transfer) followTransferJob(this.state, transfer.transferId, job.jobId);
    return job;
  }

  /** For a plan from another agent's copy: the copy's descriptor without a transfer (nothing is sent). */
  private remotePlan(chosen: RestoreCandidate): Record<string, unknown> {
    if (chosen.kind !== 'agent') return {};
    const backup = this.state.catalog.getBackup(chosen.agentId, chosen.instance, chosen.id);
    if (!backup) throw new RedbackError('NOT_FOUND', `agent ${chosen.agentId} has no copy ${chosen.id} of ${chosen.instance}`, { hint: 'list copies with: redback backups' });
    return { remote: { kind: 'remote', id: chosen.id, sourceAgentId: chosen.agentId, manifestJson: canonicalJson(backup.manifest) } };
  }

  /** The agent's diagnosis of the instance and the runbook it would run: nothing is changed. */
  async planRecover(input: RecoverInput): Promise<RestorePlanView> {
    const instance = resolveInstance(this.state.catalog, input.instance);
    const dry = await this.runDry('recover', instance, { dryRun: true });
    const result = (dry.resultJson ? JSON.parse(dry.resultJson) : null) as { dataLoss?: { since: string | null } | null } | null;
    const since = result?.dataLoss?.since ? new Date(result.dataLoss.since) : null;
    return {
      instance,
      target: instance,
      source: null,
      candidates: [],
      dataLossSince: since,
      dataLossSeconds: since ? Math.max(0, (Date.now() - since.getTime()) / 1000) : 0,
      notes: [],
      dryRun: dry,
      withConfig: false,
    };
  }

  startRecover(input: RecoverInput): JobRecord {
    const instance = resolveInstance(this.state.catalog, input.instance);
    this.requireConnected(instance);
    return this.state.jobs.create({
      type: 'recover',
      agentId: instance.agentId,
      instance: instance.name,
      args: {},
      timeoutMs: input.timeoutMs && input.timeoutMs > 0 ? input.timeoutMs : DEFAULT_RESTORE_TIMEOUT_MS,
    });
  }

  private resolve(input: RestoreInput): Resolved {
    const from = resolveInstance(this.state.catalog, input.instance);
    const target = input.targetInstance ? resolveInstance(this.state.catalog, input.targetInstance) : from;
    const backup = input.backup && input.backup !== 'latest' ? input.backup : undefined;
    if (backup && input.before) throw new RedbackError('USAGE', '--backup and --before exclude each other', { hint: 'name one copy with --backup ID, or a time with --before TIME' });
    let before: Date | undefined;
    const latest = input.before?.trim().toLowerCase() === 'latest';
    if (input.before && !latest) {
      try {
        before = parseInstant(input.before);
      } catch (err) {
        throw new RedbackError('USAGE', `--before: ${(err as Error).message}`, { hint: 'e.g. --before 2026-11-24T03:15:00Z (a time without an offset is UTC)' });
      }
    }
    const source = parseSourceSelector(input.source ?? '');
    const query: SourceQuery = { from, target, ...(backup ? { backupId: backup } : {}), ...(before ? { before } : {}), ...(latest ? { latest: true } : {}), ...(source ? { source } : {}) };
    if (latest && !listCandidates(this.state.catalog, query).some((c) => c.kind === 'archive')) {
      throw new RedbackError('OUTSIDE_WINDOW', `${from.agentId}/${from.name} has no continuous AOF archive with a restorable second: --before latest needs one`, {
        hint: 'turn archiving on (policy archive: true); redback instances shows the recovery window',
      });
    }
    const candidates = listCandidates(this.state.catalog, query);
    const chosen = chooseSource(candidates, query);
    if (input.withConfig && chosen.kind !== 'offsite') {
      throw new RedbackError('USAGE', `--with-config needs an offsite set (it carries redis.conf): ${chosen.kind} copy ${chosen.id} holds an RDB only`, {
        hint: 'add --source offsite, or leave out --with-config',
      });
    }
    return { query, candidates, chosen, withConfig: input.withConfig === true };
  }

  private requireConnected(instance: InstanceRecord): void {
    if (this.state.sessions.get(instance.agentId)) return;
    throw new RedbackError('UNSAFE_REFUSED', `agent ${instance.agentId} of ${instance.agentId}/${instance.name} is not connected: a restore is never queued for later`, {
      hint: 'start the agent (redback agent run) and try again; on the host itself, redback agent recover works without the coordinator',
    });
  }

  /** Runs a dry-run job on the agent and waits for its end; a failed dry run is the plan's error. */
  private async runDry(type: 'restore' | 'recover', target: InstanceRecord, args: Record<string, unknown>): Promise<JobRecord> {
    this.requireConnected(target);
    const job = this.state.jobs.create({ type, agentId: target.agentId, instance: target.name, args, timeoutMs: DRY_RUN_WAIT_MS });
    const done = await waitForJob(this.state, job.jobId, DRY_RUN_WAIT_MS + 5000);
    if (done.state !== 'succeeded') {
      throw new RedbackError(done.errorCode && isErrorCode(done.errorCode) ? done.errorCode : 'JOB_FAILED', `the dry run on ${target.agentId}/${target.name} ${done.state}: ${done.errorMessage ?? 'no detail'}`, {
        ...(done.errorHint ? { hint: done.errorHint } : {}),
        details: { jobId: done.jobId },
      });
    }
    return done;
  }
}

/** Resolves when the job ends (the job manager's events; its current state first). */
export function waitForJob(state: CoordinatorState, jobId: string, timeoutMs: number): Promise<JobRecord> {
  return new Promise((resolve, reject) => {
    let unsubscribe = (): void => undefined;
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new RedbackError('TIMEOUT', `job ${jobId} did not finish within ${Math.round(timeoutMs / 1000)} s`, { hint: 'see redback jobs' }));
    }, timeoutMs);
    const finish = (job: JobRecord): void => {
      clearTimeout(timer);
      unsubscribe();
      resolve(job);
    };
    unsubscribe = state.jobs.subscribe(jobId, (change) => {
      if (isTerminal(change.job)) finish(change.job);
    });
    state.jobs.settle();
    const now = state.catalog.getJob(jobId);
    if (now && isTerminal(now)) finish(now);
  });
}

/** The recovery window of the instance (catalog) and, for the archive, the exact time the data will reflect. */
function windowNotes(state: CoordinatorState, r: Resolved): string[] {
  const w = state.catalog.windows.get(r.query.from.agentId, r.query.from.name);
  const notes: string[] = [];
  if (w && w.from) {
    const exact = w.spans.length ? `to the second ${describeSpans(w.spans)}${w.gaps.length ? ` (${w.gaps.length} gap${w.gaps.length === 1 ? '' : 's'})` : ''}` : 'no AOF archive';
    notes.push(`recovery window: ${exact}; ${w.setCount} nightly set${w.setCount === 1 ? '' : 's'}${w.oldestSet ? ` from ${w.oldestSet}` : ''}`);
  }
  if (r.chosen.kind === 'archive') notes.push(`the data will reflect ${isoOf(Math.floor(r.chosen.snapshotAt!.getTime() / 1000))}: every write up to and including that second, nothing later`);
  return notes;
}

function describeCandidate(c: RestoreCandidate): Record<string, unknown> {
  return { kind: c.kind, id: c.id, agentId: c.agentId, instance: c.instance, snapshotAt: c.snapshotAt?.toISOString() ?? null, bytes: c.bytes };
}

