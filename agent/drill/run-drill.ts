import type { InstanceConfig } from '../../shared/config/agent-config.js';
import type { DrillPhases, DrillResult, DrillSourceKind } from '../../shared/drill/drill-result.js';
import { asRedbackError, RedbackError } from '../../shared/errors/index.js';
import { formatBytes, formatKeys } from '../../shared/output/format.js';
import { formatDuration } from '../../shared/time/clock.js';
import type { AgentContext } from '../agent-context.js';
import { findInstance } from '../agent-context.js';
import { checkKeys } from '../recovery/key-check.js';
import { controllerFor } from '../recovery/instance-control.js';
import { planFactsOf } from '../recovery/plan-facts.js';
import { DEFAULT_RECOVERY_TIMEOUTS } from '../recovery/recovery-steps.js';
import { restoreRunbook, restoreState, type RestoreState } from '../recovery/restore.js';
import type { RestoreSource } from '../recovery/sources.js';
import { JournalStore } from '../runbooks/journal.js';
import { runJournalOf, RunbookRunner, type StepEvent } from '../runbooks/runner.js';
import { resolveInstanceFacts } from '../state/instance-facts.js';
import { withInstance } from '../store/instance-guard.js';
import { pickDrillSource } from './drill-source.js';
import { ScratchRedis } from './scratch-redis.js';
import { checkScratchRoom } from './scratch-room.js';

export interface DrillOptions {
  source?: DrillSourceKind;
  backupId?: string;
  /** Restore into this other instance of the agent (through the restore runbook) instead of a scratch server. */
  targetInstance?: string;
  /** Longest wait for the scratch server to load (default 2 h). */
  loadTimeoutMs?: number;
  /** Where scratch directories are made (default: the OS temp directory, TMPDIR). */
  scratchBase?: string;
  onPhase?: (phase: string, message: string) => void;
  /** Stops the wait for the scratch server (job cancelled or timed out); it is then stopped and removed. */
  signal?: AbortSignal;
}

/** Codes that mean "the copy does not restore" (the drill's finding), not "the drill could not run". */
const FINDINGS = new Set(['VERIFY_FAILED', 'RDB_CORRUPT', 'RDB_UNSUPPORTED', 'SHORT_READ', 'RESTORE_FAILED', 'CONTROL_FAILED', 'DRILL_FAILED']);

/**
 * A restore drill of instance X: proves a copy restores, and measures how long it takes.
 *
 * 1. pick the copy (--backup ID, else the newest local copy, or the newest offsite set);
 * 2. scratch (no target): copy or download it, verified (SHA-256, CRC-64), as dump.rdb into a fresh
 *    temp directory; start a throwaway redis-server there (127.0.0.1, free port, no saves, AOF
 *    off) and wait until it has loaded; --target-instance Y: run the one safe restore runbook on Y
 *    with this copy as its source (Y's files are moved aside, never deleted; a failure rolls back);
 * 3. compare the key counts per database with the copy's manifest (checkKeys, as restores do);
 * 4. stop the scratch server and remove its directory, whatever happened.
 *
 * X itself is never touched: its Redis and data files are not read or written (a local copy that
 * fails verification is moved to X's backup quarantine, as any restore does). The recovery time
 * runs from step 1 to the end of step 3. A failure of the copy is DRILL_FAILED (exit 20) with one
 * line of reason; its result rides in `details.jobResult` so the coordinator records it too.
 */
export async function runDrill(ctx: AgentContext, instanceName: string, options: DrillOptions = {}): Promise<DrillResult> {
  const started = Date.now();
  const instance = findInstance(ctx.config, instanceName);
  const target = options.targetInstance ? findInstance(ctx.config, options.targetInstance) : null;
  if (target && target.name === instance.name) {
    throw new RedbackError('USAGE', `a drill never restores into the instance it tests (${instance.name})`, {
      hint: `name another instance of this agent with --target-instance, or leave it out for a scratch redis-server`,
    });
  }
  const sourceKind = options.source ?? 'local';
  const phase = (name: string, message: string) => {
    ctx.logger.info({ instance: instance.name, phase: name }, message);
    options.onPhase?.(name, message);
  };
  phase('pick', `choosing the ${options.backupId ? `copy ${options.backupId}` : `newest ${sourceKind} copy`} of ${instance.name}`);
  const source = await pickDrillSource(ctx, instance, { source: sourceKind, ...(options.backupId ? { backupId: options.backupId } : {}) });
  const base: DrillResult = {
    instance: instance.name,
    targetInstance: target?.name ?? null,
    source: sourceKind,
    backupId: source.id,
    snapshotAt: source.expected.snapshotAt,
    bytes: source.expected.bytes,
    startedAt: new Date(started).toISOString(),
    finishedAt: '',
    ok: false,
    error: null,
    rtoMs: 0,
    phases: { fetchMs: 0, loadMs: 0, checkMs: 0 },
    keysExpected: { ...source.expected.keys },
    keysFound: {},
    scratchPort: null,
  };
  const outcome = target ? await drillIntoInstance(ctx, target, source, base, started, phase) : await drillIntoScratch(instance, source, base, started, phase, options);
  outcome.finishedAt = new Date().toISOString();
  if (outcome.ok) {
    phase('done', `drill of ${instance.name} passed: ${formatKeys(outcome.keysFound)} served after ${formatDuration(outcome.rtoMs)} (fetch ${formatDuration(outcome.phases.fetchMs)}, load ${formatDuration(outcome.phases.loadMs)}, check ${formatDuration(outcome.phases.checkMs)})`);
  }
  return outcome;
}

type Phase = (name: string, message: string) => void;

async function drillIntoScratch(instance: InstanceConfig, source: RestoreSource, result: DrillResult, started: number, phase: Phase, options: DrillOptions): Promise<DrillResult> {
  const binary = instance.control?.type === 'process' ? instance.control.binary : 'redis-server';
  const scratch = await ScratchRedis.create(binary, options.scratchBase);
  const phases = result.phases;
  try {
    await checkScratchRoom(scratch.dir, source.expected, instance.name);
    let t = Date.now();
    phase('fetch', `copying ${source.describe()} into ${scratch.dir}`);
    try {
      await source.fetch(scratch.rdbFile, undefined, { durable: false });
    } catch (err) {
      throw asFinding(err, 'the copy does not restore');
    }
    phases.fetchMs = Date.now() - started;
    t = Date.now();
    phase('load', `starting a scratch redis-server on ${formatBytes(result.bytes)} of data`);
    const loaded = await scratch.start({ timeoutMs: options.loadTimeoutMs ?? DEFAULT_RECOVERY_TIMEOUTS.loadMs, onProgress: (m) => phase('load', m), ...(options.signal ? { signal: options.signal } : {}) });
    result.scratchPort = scratch.port;
    phases.loadMs = Date.now() - t;
    t = Date.now();
    phase('check', `comparing key counts with the manifest (${formatKeys(result.keysExpected)})`);
    const check = checkKeys(source.expected, loaded.persistence, loaded.keyspace);
    result.keysFound = check.found;
    phases.checkMs = Date.now() - t;
    result.rtoMs = Date.now() - started;
    if (check.problems.length > 0) throw new RedbackError('DRILL_FAILED', `drill of ${instance.name}: the scratch server's data does not match ${source.describe()}: ${check.problems.join('; ')}`);
    result.ok = true;
    return result;
  } catch (err) {
    throw failed(err, result, started);
  } finally {
    await scratch.close();
  }
}

async function drillIntoInstance(ctx: AgentContext, target: InstanceConfig, source: RestoreSource, result: DrillResult, started: number, phase: Phase): Promise<DrillResult> {
  return withInstance(ctx, target.name, 'drill', async () => {
    const journals = new JournalStore(ctx.layout.agentStateDir());
    const unfinished = await journals.unfinished(target.name);
    if (unfinished) {
      throw new RedbackError('UNSAFE_REFUSED', `${target.name} has an unfinished recovery run (${unfinished.runId}): a drill does not restore over it`, {
        hint: `finish it first: redback agent recover --instance ${target.name} --resume, --rollback or --close`,
      });
    }
    const facts = planFactsOf(await resolveInstanceFacts(ctx, target), target);
    const deps = { ctx, instance: target, controller: controllerFor(ctx, target, facts), timeouts: DEFAULT_RECOVERY_TIMEOUTS };
    const runbook = restoreRunbook(deps, source, source.kind);
    const state: RestoreState = restoreState(facts, null, source);
    const phases: DrillPhases = result.phases;
    const stepStarted = new Map<string, number>();
    const stepDone = new Map<string, number>();
    const onEvent = (e: StepEvent) => {
      if (e.status === 'started') {
        stepStarted.set(e.step, Date.now());
        phase(e.step, `restore into ${target.name}: ${e.step}`);
      } else if (e.status === 'done') stepDone.set(e.step, Date.now());
      else if (e.status === 'note' || e.status === 'warning') phase(e.step, e.message ?? '');
    };
    phase('restore', `restoring ${source.describe()} into ${target.name} (its files are moved aside, never deleted)`);
    const runner = new RunbookRunner(journals, ctx.logger);
    try {
      await runner.run(runbook, target.name, state, { onEvent });
    } catch (err) {
      result.keysFound = keysOf(state);
      const journal = runJournalOf(err);
      const why = asRedbackError(err);
      // A rollback that stopped halfway is worse than a failed drill: say so with its own code.
      if (journal?.status === 'needs-attention') throw failed(new RedbackError('NEEDS_ATTENTION', `drill into ${target.name} failed and its rollback needs attention (run ${journal.runId}): ${why.message}`, { hint: `redback agent recover --instance ${target.name} --resume, --rollback or --close` }), result, started);
      throw failed(asFinding(err, `restoring ${source.describe()} into ${target.name} failed (rolled back)`), result, started);
    }
    const at = (step: string) => stepDone.get(step) ?? stepStarted.get(step) ?? Date.now();
    phases.fetchMs = at('fetch-and-verify') - started;
    phases.loadMs = at('wait-loaded') - at('fetch-and-verify');
    phases.checkMs = at('verify-keys') - at('wait-loaded');
    phases.finishMs = Date.now() - at('verify-keys');
    result.rtoMs = at('verify-keys') - started;
    result.keysFound = keysOf(state);
    result.ok = true;
    return result;
  });
}

function keysOf(state: RestoreState): Record<string, number> {
  return Object.fromEntries(Object.entries(state.report.keyspace ?? {}).map(([db, v]) => [db, v.keys]));
}

/** A failure of the copy itself becomes DRILL_FAILED with a one-line reason; other errors keep their code. */
function asFinding(err: unknown, what: string): RedbackError {
  const e = asRedbackError(err);
  if (!FINDINGS.has(e.code) || e.code === 'DRILL_FAILED') return e;
  return new RedbackError('DRILL_FAILED', `${what}: ${e.message}`, { hint: 'take a new copy (redback backup --instance NAME --wait) and drill it; list copies with redback backups', cause: e });
}

/** The error a failed drill throws, carrying its result for the coordinator's record. */
function failed(err: unknown, result: DrillResult, started: number): RedbackError {
  const e = asRedbackError(err);
  result.ok = false;
  result.error = e.message.split('\n')[0]!;
  result.rtoMs ||= Date.now() - started;
  result.finishedAt = new Date().toISOString();
  return new RedbackError(e.code, result.error, { ...(e.hint ? { hint: e.hint } : { hint: 'redback drill --help' }), cause: e, details: { ...e.details, jobResult: result } });
}
