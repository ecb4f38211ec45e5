import { remoteCandidate } from './remote-agent-source.js';
import { stat } from 'node:fs/promises';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { formatKeys } from '../../shared/output/format.js';
import { formatDuration } from '../../shared/time/clock.js';
import type { AgentContext } from '../agent-context.js';
import { findInstance } from '../agent-context.js';
import { checkAof, type AofCheckResult } from '../aof/check-aof.js';
import type { AofTrap } from '../aof/trap.js';
import { JournalStore } from '../runbooks/journal.js';
import type { RunbookName } from '../runbooks/runbook.js';
import { verifyCopy } from '../snapshot/verify-copies.js';
import { resolveInstanceFacts, type InstanceFacts } from '../state/instance-facts.js';
import { recordLastSeen, type Keyspace, type LastSeen } from '../state/instance-state.js';
import { observeInstance, type Observation } from '../state/observe.js';
import type { LocalCopy } from '../store/local-store.js';
import { planFactsOf, type PlanFacts } from './plan-facts.js';
import { setBytes } from '../../shared/offsite/set-manifest.js';
import { listSets } from '../../shared/offsite/set-store.js';
import { openOffsiteIfConfigured, ownerFor } from '../offsite/offsite-session.js';
import { describeSet, expectedOfManifest, expectedOfSet, inspectDump, totalKeysOf, type DumpInspection, type SourceDescriptor } from './sources.js';
import type { SetSourceInstance } from './offsite-source.js';
import { agentIdOf } from '../session/coordinator-link.js';
import { trapFor } from './trap-guard.js';
import { rdbLoadLimit, type RdbLoadLimit } from './redis-version.js';
import { describeDrop, isCollapsed } from '../retention/key-drop.js';
import { isoOf, recoveryWindow, type RecoveryWindow } from '../../shared/offsite/recovery-window.js';
import { loadArchiveIndex, newestSecond, outsideWindow, planReplay, type ArchiveIndex } from './aof-archive-index.js';
import { archiveSourceId, describeArchiveSource } from './aof-archive-source.js';

export type Scenario =
  | 'healthy'
  | 'process-down'
  | 'aof-damaged'
  | 'aof-unrepairable'
  | 'aof-lost'
  | 'data-lost'
  | 'trap'
  | 'empty-after-trap'
  | 'no-data'
  | 'aof-and-rdb-lost'
  | 'interrupted-run';

/** The seed's scenario each diagnosis corresponds to (DESIGN.md table). */
export const SCENARIO_SEED: Record<Scenario, string | null> = {
  healthy: null,
  'process-down': 'S8',
  'aof-damaged': 'S9',
  'aof-unrepairable': 'S9',
  'aof-lost': 'S10',
  'data-lost': 'S10',
  trap: 'S12',
  'empty-after-trap': 'S12',
  'no-data': null,
  'aof-and-rdb-lost': 'S11',
  'interrupted-run': null,
};

/** An RDB that could be restored: dump.rdb, a local copy or an offsite set. */
export interface SourceCandidate {
  kind: 'dump' | 'local-copy' | 'offsite' | 'remote' | 'aof-archive';
  id: string;
  label: string;
  snapshotAt: string | null;
  keys: number;
  keyspace: Record<string, number>;
  /** RDB format version; null when unknown (an unreadable dump.rdb). */
  rdbVersion: number | null;
  /** Full read done (SHA-256 + CRC-64) and it passed; null when not read. */
  verified: boolean | null;
  usable: boolean;
  /** Why it is not used. */
  why: string | null;
  descriptor: SourceDescriptor;
  /** Bytes to transfer (offsite: stored size of the set; a local copy: its RDB). */
  bytes?: number;
}

/** What the offsite store holds for the instance (sets listed, never read, by a diagnosis). */
export interface OffsiteView {
  status: 'not-configured' | 'ok' | 'unreachable';
  sets: number;
  incomplete: number;
  newest: { setId: string; createdAt: string; snapshotAt: string | null; keys: number; storedBytes: number } | null;
  error: string | null;
  /** What a restore can reach: the AOF archive's spans (to the second) and the sets' snapshot times. */
  window: RecoveryWindow | null;
  /** Why the archive's coverage stops early (holes, damaged records) or could not be read. */
  archiveProblems: string[];
}

export interface Diagnosis {
  instance: string;
  at: string;
  facts: PlanFacts & {
    appendonlyFrom: InstanceFacts['appendonlyFrom'];
    appendonlyLive: boolean | null;
    confProblems: string[];
  };
  redis: Pick<Observation, 'up' | 'loading' | 'loadingPercent' | 'keys' | 'keyspace' | 'runId' | 'role' | 'aofEnabled' | 'uptimeSeconds' | 'error'>;
  lastSeen: LastSeen | null;
  lastNonEmpty: LastSeen | null;
  aof: {
    dirExists: boolean;
    manifestExists: boolean;
    check: Pick<AofCheckResult, 'status' | 'ok' | 'fixable' | 'message' | 'damage' | 'missingFiles'> | null;
    note: string;
  };
  dump: Pick<DumpInspection, 'path' | 'exists' | 'bytes' | 'mtime' | 'valid' | 'problem'> & { keys: number | null; snapshotAt: string | null };
  copies: { total: number; ok: number; broken: number; newest: { id: string; tier: string; snapshotAt: string | null; keys: number } | null };
  offsite: OffsiteView;
  trap: AofTrap | null;
  unfinished: { runId: string; runbook: RunbookName; status: string; step: string | null; error: string | null } | null;
  /** Candidates in the order they were considered (newest snapshot first). */
  candidates: SourceCandidate[];
  /** The newest valid RDB: what restore-local would use. */
  source: SourceCandidate | null;
  scenario: Scenario;
  seed: string | null;
  runbook: RunbookName | null;
  reason: string;
  /** The exact time the restored data reflects (the source's snapshot, or the archive's second). */
  reflects: string | null;
  /** What restoring the source loses, e.g. "the writes of the last 2h13m (since ...)". */
  loss: string | null;
  /** The restore that would replace a failing AOF repair, e.g. "restore-local from local copy X taken 2h13m ago". */
  alternative: string | null;
  warnings: string[];
}

export interface DiagnoseOptions {
  /** Restore from this local copy id or offsite set id (`dump` for the instance's own dump.rdb). */
  backupId?: string;
  /** Only candidates whose snapshot is at or before this instant (the newest of them is used). */
  before?: Date;
  /** Restore the newest second of the continuous AOF archive (`--before latest`). */
  latest?: boolean;
  /** Read candidate copies end to end (SHA-256, CRC-64) before choosing one. Default true. */
  verify?: boolean;
  /**
   * Restore another instance's data into this one (`redback restore --target-instance`): the
   * candidates are that instance's copies (its local copies when it lives on this agent, its
   * offsite sets whichever agent made them), never this instance's own dump.rdb.
   */
  sourceInstance?: SetSourceInstance;
  /**
   * A copy held by another agent, relayed by the coordinator (`redback restore --source agent:ID`):
   * the descriptor of agent/recovery/remote-agent-source.ts, offered as one more candidate.
   */
  remote?: SourceDescriptor;
}

/**
 * Looks at an instance without changing anything — is Redis up (loading?), key counts against
 * what the agent last saw, appendonly in redis.conf and CONFIG, the AOF directory and
 * redis-check-aof's verdict, dump.rdb (read and checked), the local copies (newest verified),
 * the AOF trap, an unfinished runbook — and says which scenario this is and which runbook fixes
 * it, with a one-line reason and how much restoring would lose.
 */
export async function diagnose(ctx: AgentContext, instanceOrName: InstanceConfig | string, options: DiagnoseOptions = {}): Promise<Diagnosis> {
  const instance = typeof instanceOrName === 'string' ? findInstance(ctx.config, instanceOrName) : instanceOrName;
  const now = ctx.clock.now();
  const facts = await resolveInstanceFacts(ctx, instance);
  const planFacts = planFactsOf(facts, instance);
  const redis = await observeInstance(instance);
  const warnings: string[] = [...facts.confProblems];
  const state = facts.state;
  if (redis.up && !redis.loading) {
    // What the agent sees now becomes "last seen"; lastNonEmpty keeps the last count with keys.
    await recordLastSeen(ctx, instance.name, {
      at: now.toISOString(),
      runId: redis.runId,
      keyspace: redis.keyspace,
      keys: redis.keys,
      aofEnabled: redis.aofEnabled === true,
      role: redis.role,
    }).catch((err) => ctx.logger.warn({ err: (err as Error).message }, 'could not save instance state'));
  }

  const journal = await new JournalStore(ctx.layout.agentStateDir()).unfinished(instance.name);
  const unfinished = journal
    ? {
        runId: journal.runId,
        runbook: journal.runbook,
        status: journal.status,
        step: journal.steps.find((s) => s.status === 'running' || s.status === 'failed')?.name ?? null,
        error: journal.error?.message ?? null,
      }
    : null;

  const dirExists = await isDir(facts.aofDir);
  const manifestExists = await isFile(facts.manifestPath);
  let aofCheck: AofCheckResult | null = null;
  let aofNote: string;
  if (!manifestExists) aofNote = dirExists ? `${facts.manifestPath} is missing` : `${facts.aofDir} does not exist`;
  else if (redis.up) aofNote = 'not checked: redis is running and has loaded it';
  else {
    aofCheck = await checkAof(facts.manifestPath);
    aofNote = aofCheck.message;
  }

  const dump = await inspectDump(facts.rdbFile);
  // Whose copies: this instance's, or (--target-instance) another instance's.
  const from: SetSourceInstance = options.sourceInstance ?? { agentId: agentIdOf(ctx.config), instance: instance.name };
  const foreign = from.instance !== instance.name || from.agentId !== agentIdOf(ctx.config);
  const onThisHost = from.agentId === agentIdOf(ctx.config);
  const inventory = onThisHost ? await ctx.store.inventory(from.instance) : { copies: [], broken: [] };
  const okCopies = inventory.copies.filter((c) => c.state === 'ok');
  const limit = await rdbLoadLimit(planFacts);
  const offsite = await offsiteCandidates(ctx, instance, from);
  // Another instance's data never comes from this instance's dump.rdb.
  const dumpCandidate: DumpInspection = foreign ? { ...dump, exists: false } : dump;
  const remote = options.remote ? [remoteCandidate(options.remote)] : [];
  // Point in time: the instance's own archive (restoring another instance's archive is not supported yet).
  const archived = pointInTimeCandidate(instance.name, foreign ? null : offsite.index, offsite.view.window, options);
  const { list: candidates, reference } = await rankCandidates(ctx, instance, dumpCandidate, okCopies, [...offsite.candidates, ...remote, ...(archived ? [archived] : [])], redis, state?.lastNonEmpty ?? null, options, now, limit);
  const source = candidates.find((c) => c.usable) ?? null;
  if (source && source.kind !== 'aof-archive' && reference && isCollapsed(source.keys, reference.keys, ctx.config.snapshot.maxKeyDrop)) {
    warnings.push(
      `THE RESTORE SOURCE IS FAR BELOW THE DATA LAST SEEN: ${source.label} holds ${source.keys} keys, ${reference.from} had ${reference.keys} (${describeDrop(source.keys, reference.keys)}); no fuller valid copy exists on this host`,
    );
  }
  const trap = await trapFor(ctx, facts);

  const ageOf = (iso: string | null) => (iso ? formatDuration(Math.max(0, now.getTime() - new Date(iso).getTime())) : 'an unknown time');
  const loss = source ? `the writes made after ${source.snapshotAt ?? 'the snapshot'} (${ageOf(source.snapshotAt)} ago)` : null;
  const restoreRunbook: RunbookName = source?.kind === 'offsite' || source?.kind === 'aof-archive' ? 'restore-offsite' : 'restore-local';
  const alternative = source ? `${restoreRunbook} from ${source.label} taken ${ageOf(source.snapshotAt)} ago (the writes since ${source.snapshotAt ?? 'then'} are lost)` : null;

  const d = decide({ facts, redis, state: state?.lastNonEmpty ?? null, aofCheck, manifestExists, trap, source, candidates, dump, unfinished, ageOf });
  if (options.backupId && source && d.scenario !== 'interrupted-run') {
    d.reason = `restore of ${source.label} requested with --backup (diagnosis: ${d.reason})`;
    d.runbook = 'restore-local';
  }
  if (options.before && source && d.scenario !== 'interrupted-run') {
    d.reason =
      source.kind === 'aof-archive'
        ? `restore of ${source.label}: the AOF archive covers ${options.before.toISOString()} to the second, requested with --before (diagnosis: ${d.reason})`
        : `restore of ${source.label}, the newest snapshot at or before ${options.before.toISOString()}, requested with --before (diagnosis: ${d.reason})`;
    d.runbook = 'restore-local';
  }
  if (options.latest && source && d.scenario !== 'interrupted-run') {
    d.reason = `restore of ${source.label}, requested with --before latest (diagnosis: ${d.reason})`;
    d.runbook = 'restore-local';
  }
  // The one restore runbook, named for where its RDB comes from (S11: an offsite set or the AOF archive).
  if (d.runbook === 'restore-local' && (source?.kind === 'offsite' || source?.kind === 'aof-archive')) {
    d.runbook = 'restore-offsite';
    if (d.scenario === 'aof-lost' || d.scenario === 'data-lost') d.scenario = 'aof-and-rdb-lost';
  }
  if (options.backupId && !source) {
    throw new RedbackError('NOT_FOUND', `backup ${options.backupId} of ${instance.name} cannot be used: ${candidates[0]?.why ?? 'not found'}`, {
      hint: `list copies with: redback agent list --instance ${instance.name}`,
    });
  }
  if (options.before && !source && offsite.index && offsite.index.spans.length > 0) {
    throw outsideWindow(offsite.index, Math.floor(options.before.getTime() / 1000), instance.name, offsite.view.window);
  }
  if (options.before && !source) {
    throw new RedbackError('NOT_FOUND', `no restore source of ${instance.name} has a snapshot at or before ${options.before.toISOString()}: ${candidates[0]?.why ?? 'none found'}`, {
      hint: `pick a later time; list local copies with: redback agent list --instance ${instance.name}, offsite sets with: redback agent offsite-list --instance ${instance.name}`,
    });
  }
  const newest = okCopies.slice().sort((a, b) => snapshotOf(b).localeCompare(snapshotOf(a)))[0];
  return {
    instance: instance.name,
    at: now.toISOString(),
    facts: { ...planFacts, appendonlyFrom: facts.appendonlyFrom, appendonlyLive: facts.appendonlyLive, confProblems: facts.confProblems },
    redis: {
      up: redis.up,
      loading: redis.loading,
      loadingPercent: redis.loadingPercent,
      keys: redis.keys,
      keyspace: redis.keyspace,
      runId: redis.runId,
      role: redis.role,
      aofEnabled: redis.aofEnabled,
      uptimeSeconds: redis.uptimeSeconds,
      error: redis.error,
    },
    lastSeen: state?.lastSeen ?? null,
    lastNonEmpty: state?.lastNonEmpty ?? null,
    aof: {
      dirExists,
      manifestExists,
      check: aofCheck
        ? { status: aofCheck.status, ok: aofCheck.ok, fixable: aofCheck.fixable, message: aofCheck.message, damage: aofCheck.damage, missingFiles: aofCheck.missingFiles }
        : null,
      note: aofNote,
    },
    dump: {
      path: dump.path,
      exists: dump.exists,
      bytes: dump.bytes,
      mtime: dump.mtime,
      valid: dump.valid,
      problem: dump.problem,
      keys: dump.expected ? totalKeysOf(dump.expected.keys) : null,
      snapshotAt: dump.expected?.snapshotAt ?? null,
    },
    copies: {
      total: inventory.copies.length,
      ok: okCopies.length,
      broken: inventory.broken.length + inventory.copies.length - okCopies.length,
      newest: newest ? { id: newest.manifest.id, tier: newest.manifest.tier, snapshotAt: newest.manifest.snapshotAt, keys: totalKeysOf(newest.manifest.keys) } : null,
    },
    offsite: offsite.view,
    trap,
    unfinished,
    candidates,
    source,
    scenario: d.scenario,
    seed: SCENARIO_SEED[d.scenario],
    runbook: d.runbook,
    reason: d.reason,
    reflects: d.runbook === 'restore-local' || d.runbook === 'restore-offsite' ? (source?.snapshotAt ?? null) : null,
    loss: d.runbook === 'restore-local' || d.runbook === 'restore-offsite' ? loss : null,
    alternative,
    warnings: [...warnings, ...d.warnings],
  };
}

interface DecideInput {
  facts: InstanceFacts;
  redis: Observation;
  state: LastSeen | null;
  aofCheck: AofCheckResult | null;
  manifestExists: boolean;
  trap: AofTrap | null;
  source: SourceCandidate | null;
  candidates: SourceCandidate[];
  dump: DumpInspection;
  unfinished: Diagnosis['unfinished'];
  ageOf: (iso: string | null) => string;
}

function decide(x: DecideInput): { scenario: Scenario; runbook: RunbookName | null; reason: string; warnings: string[] } {
  const warnings: string[] = [];
  const src = x.source;
  const from = src ? `${src.label} (${src.keys} keys, snapshot ${x.ageOf(src.snapshotAt)} ago)` : '';
  if (x.unfinished) {
    return {
      scenario: 'interrupted-run',
      runbook: null,
      reason: `run ${x.unfinished.runId} (${x.unfinished.runbook}) did not finish (${x.unfinished.status}${x.unfinished.step ? ` at ${x.unfinished.step}` : ''}): continue it with --resume (or undo it with --rollback, or close it as it stands with --close)`,
      warnings,
    };
  }
  if (x.redis.up) {
    if (x.redis.loading) return { scenario: 'healthy', runbook: null, reason: `redis is up and loading its data (${x.redis.loadingPercent ?? '?'}%): wait for it`, warnings };
    const hadKeysBefore = x.state !== null && x.state.keys > 0 && x.state.runId !== x.redis.runId;
    const sourceHasKeys = x.state === null && src !== null && src.keys > 0;
    if (x.redis.keys === 0 && (hadKeysBefore || sourceHasKeys)) {
      const before = hadKeysBefore ? `${x.state!.keys} keys at ${x.state!.at} before a restart` : `the newest RDB has ${src!.keys} keys`;
      const scenario: Scenario = x.redis.aofEnabled ? 'empty-after-trap' : 'data-lost';
      if (!src) return { scenario, runbook: null, reason: `redis is up with 0 keys but had ${before}, and there is no valid RDB on this host to restore`, warnings };
      return {
        scenario,
        runbook: 'restore-local',
        reason: `redis is up with 0 keys but had ${before}${x.redis.aofEnabled ? ' (it started with appendonly yes and no AOF: the trap sprang)' : ''}: restore ${from}`,
        warnings,
      };
    }
    const seen = x.state ? `; last seen ${x.state.keys} keys at ${x.state.at}` : '';
    if (x.state && x.redis.keys < x.state.keys * 0.9 && x.state.keys - x.redis.keys > 10) {
      warnings.push(`redis has ${x.redis.keys} keys, ${x.state.keys - x.redis.keys} fewer than last seen (${x.state.keys} at ${x.state.at})`);
    }
    return { scenario: 'healthy', runbook: null, reason: `redis is up with ${x.redis.keys} keys (${formatKeys(countsOf(x.redis.keyspace))})${seen}: nothing to recover`, warnings };
  }

  const appendonly = x.facts.appendonly ?? true;
  if (x.facts.appendonly === null) warnings.push('appendonly is unknown (no redis.conf, never seen running): treated as yes');
  if (x.trap) {
    const lost = x.trap.reason === 'aof-dir-missing';
    if (!src) return { scenario: 'trap', runbook: null, reason: `${x.trap.message}; no valid RDB to restore on this host: do not start redis, repair by hand`, warnings };
    const scenario: Scenario = !lost ? 'trap' : src.kind === 'dump' || x.dump.valid ? 'aof-lost' : 'data-lost';
    const what = !lost ? 'the AOF is incomplete and starting redis would spring the AOF trap' : x.dump.exists ? 'the AOF is lost (starting redis would spring the AOF trap)' : 'the AOF and dump.rdb are lost';
    return { scenario, runbook: 'restore-local', reason: `${what}: restore ${from} with the AOF off, then rebuild the AOF`, warnings };
  }
  if (appendonly && x.manifestExists && x.aofCheck) {
    if (x.aofCheck.ok) return { scenario: 'process-down', runbook: 'restart', reason: `redis is down and its AOF is valid (${x.aofCheck.message}): start it and let it load the AOF`, warnings };
    if (x.aofCheck.status === 'truncated-last-file') {
      return { scenario: 'aof-damaged', runbook: 'repair-aof', reason: `the last AOF file has a torn tail (${x.aofCheck.message}): keep a copy, cut it with redis-check-aof --fix, start`, warnings };
    }
    if (!src) return { scenario: 'aof-unrepairable', runbook: null, reason: `${x.aofCheck.message}; and there is no valid RDB on this host to restore`, warnings };
    return { scenario: 'aof-unrepairable', runbook: 'restore-local', reason: `${x.aofCheck.message}: restore ${from} instead`, warnings };
  }
  if (appendonly) {
    if (src) return { scenario: 'aof-and-rdb-lost', runbook: 'restore-local', reason: `no AOF, no dump.rdb and no local copies on this host: restore ${from} with the AOF off, then rebuild the AOF`, warnings };
    return { scenario: 'no-data', runbook: null, reason: 'no AOF, no dump.rdb, no local copies and no offsite sets: nothing to recover (start it empty with "redback agent start")', warnings };
  }
  // Redis loads dump.rdb itself: restart when it is usable and as new as the best source (a
  // snapshot's BGSAVE leaves dump.rdb and its copy with the same snapshot time).
  const dumpCandidate = x.candidates.find((c) => c.kind === 'dump' && c.usable);
  if (dumpCandidate && (!src || (dumpCandidate.snapshotAt ?? '') >= (src.snapshotAt ?? ''))) {
    return { scenario: 'process-down', runbook: 'restart', reason: `redis is down; appendonly is no and ${x.facts.rdbFile} is valid (${dumpCandidate.keys} keys): start it`, warnings };
  }
  if (src) {
    const why = x.dump.exists ? (x.dump.valid ? 'older than a local copy' : `invalid (${x.dump.problem})`) : 'missing';
    return { scenario: 'data-lost', runbook: 'restore-local', reason: `redis is down and ${x.facts.rdbFile} is ${why}: restore ${from}`, warnings };
  }
  return { scenario: 'no-data', runbook: null, reason: `no valid ${x.facts.rdbFile} and no local copies: nothing to recover on this host`, warnings };
}

/**
 * Every RDB a restore could use, newest snapshot first, with why one is skipped. The first usable
 * one that verifies is the source. dump.rdb is skipped when it holds no keys while older data
 * existed (a Redis that started empty wrote it), or when the running, empty server wrote it.
 */
async function rankCandidates(
  ctx: AgentContext,
  instance: InstanceConfig,
  dump: DumpInspection,
  copies: LocalCopy[],
  offsite: SourceCandidate[],
  redis: Observation,
  lastNonEmpty: LastSeen | null,
  options: DiagnoseOptions,
  now: Date,
  limit: RdbLoadLimit,
): Promise<{ list: SourceCandidate[]; reference: { keys: number; from: string } | null }> {
  const list: SourceCandidate[] = [];
  if (dump.exists) {
    const keyspace = dump.expected?.keys ?? {};
    const keys = totalKeysOf(keyspace);
    let why: string | null = dump.valid ? null : `invalid: ${dump.problem}`;
    const hadData = (lastNonEmpty?.keys ?? 0) > 0 || copies.some((c) => totalKeysOf(c.manifest.keys) > 0);
    if (!why && keys === 0 && hadData) why = 'holds no keys although the instance had data (written by a redis that started empty?)';
    if (!why && redis.up && redis.uptimeSeconds !== null && dump.expected?.snapshotAt) {
      const startedAt = now.getTime() - redis.uptimeSeconds * 1000;
      // Only an empty dump can be the empty redis' own save: one that holds keys has data (saved
      // after a restart, then flushed; or saved a second before the restart) and stays a candidate.
      if (new Date(dump.expected.snapshotAt).getTime() >= startedAt - 1000 && redis.keys === 0 && keys === 0) why = 'written by the running, empty redis';
    }
    list.push({
      kind: 'dump',
      id: 'dump',
      label: `dump.rdb (${dump.path})`,
      snapshotAt: dump.expected?.snapshotAt ?? dump.mtime,
      keys,
      keyspace,
      rdbVersion: dump.expected?.rdbVersion ?? null,
      verified: dump.valid,
      usable: why === null,
      why,
      descriptor: { kind: 'dump', id: 'dump.rdb', path: dump.path, expected: dump.expected },
    });
  }
  for (const copy of copies) {
    const e = expectedOfManifest(copy.manifest);
    list.push({
      kind: 'local-copy',
      id: copy.manifest.id,
      label: `local copy ${copy.manifest.id} (${copy.manifest.tier}${copy.manifest.instance !== instance.name ? ` of ${copy.manifest.instance}` : ''})`,
      snapshotAt: e.snapshotAt,
      keys: totalKeysOf(e.keys),
      keyspace: e.keys,
      rdbVersion: copy.manifest.rdbVersion,
      verified: null,
      usable: true,
      why: null,
      descriptor: { kind: 'local-copy', id: copy.manifest.id, tier: copy.manifest.tier, path: copy.rdbFile, instance: copy.manifest.instance },
      bytes: copy.manifest.bytes,
    });
  }
  list.push(...offsite);
  // Newest first; on equal snapshot times a local copy (sealed manifest) before dump.rdb, and
  // anything on this host before an offsite set (no download).
  const rank = { 'local-copy': 0, dump: 1, offsite: 2, remote: 3, 'aof-archive': 4 } as const;
  list.sort((a, b) => (b.snapshotAt ?? '').localeCompare(a.snapshotAt ?? '') || rank[a.kind] - rank[b.kind]);
  let chosen = options.latest ? list.filter((c) => c.kind === 'aof-archive') : list;
  if (options.backupId) {
    chosen = list.filter((c) => c.id === options.backupId || (options.backupId === 'dump' && c.kind === 'dump'));
    if (chosen.length === 0) {
      return {
        list: [{ kind: 'local-copy', id: options.backupId, label: options.backupId, snapshotAt: null, keys: 0, keyspace: {}, rdbVersion: null, verified: null, usable: false, why: `no valid local copy or complete offsite set ${options.backupId}`, descriptor: { kind: 'local-copy', id: options.backupId } }],
        reference: null,
      };
    }
  }
  if (options.before) {
    const limitMs = options.before.getTime();
    chosen = list.filter((c) => c.snapshotAt !== null && new Date(c.snapshotAt).getTime() <= limitMs);
    if (chosen.length === 0) {
      const oldest = list.filter((c) => c.snapshotAt !== null).at(-1);
      return {
        list: [{ kind: 'local-copy', id: 'before', label: `before ${options.before.toISOString()}`, snapshotAt: null, keys: 0, keyspace: {}, rdbVersion: null, verified: null, usable: false, why: oldest ? `the oldest candidate is ${oldest.label}, snapshot ${oldest.snapshotAt}` : 'no local copy, dump.rdb or complete offsite set exists', descriptor: { kind: 'local-copy', id: 'before' } }],
        reference: null,
      };
    }
  }
  // A candidate the server that will load it cannot read is skipped (the next one is tried).
  for (const candidate of chosen) {
    if (candidate.usable && limit.max !== null && candidate.rdbVersion !== null && candidate.rdbVersion > limit.max) {
      candidate.usable = false;
      candidate.why = `RDB format ${candidate.rdbVersion}, but redis ${limit.version} (${limit.from}) loads at most ${limit.max}`;
    }
  }
  // The most data this instance is known to have had: the last non-empty count seen, or the
  // fullest valid candidate. An empty or collapsed candidate is never chosen while a fuller one
  // exists (dump.rdb written by a Redis that came back empty, copies of the emptied instance).
  const maxKeyDrop = ctx.config.snapshot.maxKeyDrop;
  let reference: { keys: number; from: string } | null = lastNonEmpty ? { keys: lastNonEmpty.keys, from: `redis as last seen at ${lastNonEmpty.at}` } : null;
  for (const c of chosen) {
    if (c.usable && c.kind !== 'aof-archive' && c.keys > (reference?.keys ?? 0)) reference = { keys: c.keys, from: c.label };
  }
  // The archive's key counts are known only after its replay (the runbook checks against them).
  const collapsed = reference ? chosen.filter((c) => c.usable && c.kind !== 'aof-archive' && isCollapsed(c.keys, reference!.keys, maxKeyDrop)) : [];
  const fuller = chosen.some((c) => c.usable && !collapsed.includes(c));
  const setAside = !options.backupId && !options.before && fuller ? collapsed : [];
  for (const c of setAside) {
    c.usable = false;
    c.why = `holds ${c.keys} keys, far below ${reference!.keys} (${reference!.from}): a copy of an emptied instance is never restored while a fuller one exists`;
  }
  await verifyInOrder(ctx, instance, chosen, copies, options);
  if (setAside.length > 0 && !chosen.some((c) => c.usable)) {
    // Every fuller candidate failed verification: the collapsed ones are all that is left.
    for (const c of setAside) {
      c.usable = true;
      c.why = null;
    }
    await verifyInOrder(ctx, instance, chosen, copies, options);
  }
  return { list: chosen, reference };
}

/** Verifies usable candidates in order until one passes (only the one that will be used is read end to end). */
async function verifyInOrder(ctx: AgentContext, instance: InstanceConfig, chosen: SourceCandidate[], copies: LocalCopy[], options: DiagnoseOptions): Promise<void> {
  for (const candidate of chosen) {
    if (!candidate.usable) continue;
    if (candidate.kind === 'local-copy' && options.verify !== false) {
      const copy = copies.find((c) => c.manifest.id === candidate.id)!;
      const result = await verifyCopy(copy);
      candidate.verified = result.ok;
      if (!result.ok) {
        candidate.usable = false;
        candidate.why = `failed verification: ${result.problem}`;
        ctx.logger.warn({ instance: instance.name, copy: candidate.id, problem: result.problem }, 'copy failed verification during diagnosis');
        continue;
      }
    }
    break;
  }
}

/**
 * The complete offsite sets of the instance as candidates (listed, not downloaded: the restore
 * verifies the one it uses while fetching it). An unreachable store is reported, never fatal.
 */
async function offsiteCandidates(ctx: AgentContext, instance: InstanceConfig, from: SetSourceInstance): Promise<{ view: OffsiteView; candidates: SourceCandidate[]; index: ArchiveIndex | null }> {
  const none: OffsiteView = { status: 'not-configured', sets: 0, incomplete: 0, newest: null, error: null, window: null, archiveProblems: [] };
  let access;
  try {
    access = await openOffsiteIfConfigured(ctx);
    if (!access) return { view: none, candidates: [], index: null };
    const owner = { ...ownerFor(ctx, access, instance.name), agentId: from.agentId, instance: from.instance };
    const listing = await listSets(access.target, owner);
    const archiveProblems: string[] = [];
    // The archive of the instance whose data is restored (its own, or --target-instance's source).
    const index = await loadArchiveIndex(access.target, owner.prefix, owner).catch((err: Error) => {
      archiveProblems.push(`the AOF archive could not be read: ${err.message}`);
      return null;
    });
    if (index) archiveProblems.push(...index.epochs.flatMap((e) => e.problems));
    const window = recoveryWindow(index?.spans ?? [], listing.complete.map(({ manifest: m }) => m.snapshotAt ?? m.createdAt));
    const candidates: SourceCandidate[] = listing.complete.map(({ manifest: m }) => {
      const e = expectedOfSet(m);
      return {
        kind: 'offsite',
        id: m.setId,
        label: m.instance !== instance.name || m.agentId !== agentIdOf(ctx.config) ? `${describeSet(m)} of ${m.agentId}/${m.instance}` : describeSet(m),
        snapshotAt: e.snapshotAt,
        keys: totalKeysOf(e.keys),
        keyspace: e.keys,
        rdbVersion: m.rdbVersion,
        verified: null,
        usable: true,
        why: null,
        descriptor: { kind: 'offsite', id: m.setId, owner: { agentId: m.agentId, instance: m.instance } },
        bytes: setBytes(m).stored,
      };
    });
    const n = listing.complete[0]?.manifest;
    return {
      view: {
        status: 'ok',
        sets: listing.complete.length,
        incomplete: listing.incomplete.length,
        newest: n ? { setId: n.setId, createdAt: n.createdAt, snapshotAt: n.snapshotAt, keys: totalKeysOf(n.keys), storedBytes: setBytes(n).stored } : null,
        error: null,
        window: window.from ? window : null,
        archiveProblems,
      },
      candidates,
      index,
    };
  } catch (err) {
    ctx.logger.warn({ instance: instance.name, err: (err as Error).message }, 'offsite sets could not be listed');
    return { view: { ...none, status: 'unreachable', error: (err as Error).message }, candidates: [], index: null };
  }
}

/**
 * The AOF archive as a candidate, only when a time is asked for (`--before TIME` or `--before
 * latest`): the second it restores (floor of TIME) when an epoch covers it. A TIME at or after the
 * archive's oldest second that no epoch covers (a gap, or after the newest shipped second) is
 * OUTSIDE_WINDOW; a TIME before the archive leaves the nightly sets to answer.
 */
function pointInTimeCandidate(instance: string, index: ArchiveIndex | null, window: RecoveryWindow | null, options: DiagnoseOptions): SourceCandidate | null {
  if (!options.before && !options.latest) return null;
  if (!index || index.spans.length === 0) {
    if (!options.latest) return null;
    throw new RedbackError('OUTSIDE_WINDOW', `${instance} has no continuous AOF archive with a restorable second: --before latest needs one`, {
      hint: `turn archiving on for the instance (policy), or give a time with --before TIME (nightly sets)${window ? `; the recovery window: ${window.from} … ${window.to}` : ''}`,
    });
  }
  const ts = options.latest ? newestSecond(index)! : Math.floor(options.before!.getTime() / 1000);
  if (!index.spans.some((s) => ts >= s.from && ts <= s.to)) {
    if (ts >= index.spans[0]!.from) throw outsideWindow(index, ts, instance, window);
    return null;
  }
  const plan = planReplay(index, ts, instance);
  return {
    kind: 'aof-archive',
    id: archiveSourceId(ts),
    label: describeArchiveSource(ts, plan, options.latest === true),
    snapshotAt: isoOf(ts),
    keys: 0,
    keyspace: {},
    rdbVersion: null,
    verified: null,
    usable: true,
    why: null,
    descriptor: { kind: 'aof-archive', id: archiveSourceId(ts), ts },
    bytes: plan.storedBytes,
  };
}

function snapshotOf(c: LocalCopy): string {
  return c.manifest.snapshotAt ?? c.manifest.createdAt;
}

function countsOf(keyspace: Keyspace): Record<string, number> {
  return Object.fromEntries(Object.entries(keyspace).map(([db, v]) => [db, v.keys]));
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isDirectory()).catch(() => false);
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then((s) => s.isFile()).catch(() => false);
}
