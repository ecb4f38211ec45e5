import { chown, link, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { ensureDir, exists, fsyncDir, writeFileAtomic } from '../../shared/fs/durable.js';
import { formatBytes, formatKeys } from '../../shared/output/format.js';
import { formatDuration } from '../../shared/time/clock.js';
import { failpoint } from '../../shared/testing/failpoints.js';
import type { RedisController } from '../control/index.js';
import { infoNumber, parseKeyspace, readInfo } from '../redis/info.js';
import { checkKeys } from './key-check.js';
import { effectiveValue, readRedisConf, setDirectives } from '../redis/redis-conf.js';
import type { PlanFacts } from './plan-facts.js';
import { assertPreflight, runPreflight, type PreflightCheck } from './preflight.js';
import { moveAsideJournaled, moveIntoQuarantine, restoreFromQuarantine, runQuarantineDir, stillAside, type MoveRecord } from './quarantine.js';
import { waitAofRewritten, waitLoaded } from './redis-wait.js';
import { totalKeysOf, type ExpectedRdb, type RestoreSource, type SourceAof, type SourceDescriptor, type SourceKind } from './restore-source.js';
import { checkAof } from '../aof/check-aof.js';
import { guardStart } from './trap-guard.js';
import { connectForRecovery } from '../state/instance-facts.js';
import { emptyReport, trapFactsOf, waitLoadedStep, type LastSeenSummary, type RecoveryDeps, type RecoveryState } from './recovery-steps.js';
import type { Runbook, Step, StepEnv } from '../runbooks/runbook.js';

export type RestoreState = RecoveryState & {
  kind: 'restore';
  source: SourceDescriptor;
  sourceLabel: string;
  expected: ExpectedRdb;
  /** redis.conf says appendonly yes: the AOF is rebuilt after the load. */
  wantAof: boolean;
  stagedFile: string | null;
  preflight: PreflightCheck[] | null;
  fetched: { sha256: string; bytes: number; ms: number } | null;
  /** Whether Redis ran when the run stopped it (recorded before stopping; rollback restarts it). */
  wasRunning: boolean | null;
  /** Hard link of dump.rdb made before stopping a running Redis (its shutdown save may replace dump.rdb). */
  beforeStopLink: string | null;
  /** Live files moved into the run's quarantine folder; each is journaled before its rename. */
  moved: MoveRecord[];
  /** Where the staged RDB goes; journaled before the rename. */
  placed: string | null;
  /** systemd/exec: where the original redis.conf was copied before appendonly no was written. */
  confEdit: { path: string; backupFile: string } | null;
  loadCheck: { keysLoaded: number | null; keysExpired: number | null } | null;
  aofRewriteMs: number | null;
  /** --with-config: also put back the source's redis.conf and ACL file (the current ones moved aside). */
  withConfig?: boolean;
  configPlaced?: Array<{ kind: 'config' | 'acl'; path: string }>;
  /**
   * The source's pinned AOF directory, planned to be restored as the instance's AOF (an offsite set
   * taken with appendonly on, restored to an instance whose redis.conf says appendonly yes); null
   * when the RDB is restored and the AOF rebuilt from it. `aofSkipped` says why not, when the
   * source had one.
   */
  aofFromSource?: SourceAof | null;
  aofSkipped?: string | null;
  /** The fetched AOF directory, verified (SHA-256 per file, redis-check-aof clean); null = fall back to the RDB. */
  aofStaged?: string | null;
  /** Where the staged AOF directory goes (the instance's appenddir); journaled before the rename. */
  aofPlaced?: string | null;
};

/** Whether a restore of `source` onto an instance with these facts uses the source's AOF, and why not. */
function aofPlanOf(facts: PlanFacts, source: RestoreSource, wantAof: boolean): { aofFromSource: SourceAof | null; aofSkipped: string | null } {
  const aof = source.aof ?? null;
  if (!aof) return { aofFromSource: null, aofSkipped: source.kind === 'offsite' ? 'the set has no AOF (appendonly was off when it was taken)' : null };
  if (!wantAof) return { aofFromSource: null, aofSkipped: `${facts.configFile ?? 'redis.conf'} has appendonly no: the set's AOF is not used` };
  if (basename(facts.manifestPath) !== aof.manifestName) {
    return { aofFromSource: null, aofSkipped: `the set's AOF manifest is ${aof.manifestName}, this instance expects ${basename(facts.manifestPath)}: the AOF is rebuilt from the RDB` };
  }
  return { aofFromSource: aof, aofSkipped: null };
}

export function restoreState(facts: PlanFacts, lastSeen: LastSeenSummary | null, source: RestoreSource, options: { withConfig?: boolean } = {}): RestoreState {
  if (options.withConfig && !source.fetchConfigFiles) {
    throw new RedbackError('USAGE', `--with-config needs a source that carries redis.conf: ${source.describe()} holds an RDB only`, {
      hint: 'pick an offsite set with --backup SETID, or leave out --with-config',
    });
  }
  return {
    ...(options.withConfig ? { withConfig: true, configPlaced: [] } : {}),
    kind: 'restore',
    facts,
    lastSeen,
    report: { ...emptyReport(), keysExpected: totalKeysOf(source.expected.keys) },
    source: source.descriptor,
    sourceLabel: source.describe(),
    expected: source.expected,
    wantAof: facts.appendonly !== false,
    stagedFile: null,
    preflight: null,
    fetched: null,
    wasRunning: null,
    beforeStopLink: null,
    moved: [],
    placed: null,
    confEdit: null,
    loadCheck: null,
    aofRewriteMs: null,
    ...aofPlanOf(facts, source, facts.appendonly !== false),
    aofStaged: null,
    aofPlaced: null,
  };
}

type S = RestoreState;

/** The journal/CLI name of a restore from a source of this kind. */
export function restoreRunbookName(kind: SourceKind): RestoreRunbookName {
  switch (kind) {
    case 'offsite':
    case 'aof-archive': // the archive is offsite too: the same runbook, the same name
      return 'restore-offsite';
    case 'remote':
      return 'restore-remote';
    default:
      return 'restore-local';
  }
}

export type RestoreRunbookName = 'restore-local' | 'restore-offsite' | 'restore-remote';

export const RESTORE_RUNBOOK_NAMES: readonly RestoreRunbookName[] = ['restore-local', 'restore-offsite', 'restore-remote'];

/**
 * S10 (and the way out of the AOF trap): the safe restore of DESIGN.md from a pluggable source
 * (a local copy, dump.rdb, an offsite set, another agent's copy: see restore-source.ts). The steps
 * are the same for every source; only fetch-and-verify reads it. The runbook's name follows the
 * source's kind (restoreRunbookName), so journals and the CLI say restore-local / restore-offsite.
 *
 *   preflight → fetch-and-verify (Redis untouched so far) → stop-redis → move-aside (dump.rdb and
 *   the whole AOF directory into <dir>/redback-quarantine/<run>/) → place-rdb (rename + fsync) →
 *   aof-off-for-load → start-aof-off → wait-loaded → verify-keys (against the source's manifest)
 *   → enable-aof [point of no return] → rewrite-config (CONFIG REWRITE, then the file is read back)
 *
 * Any failure before the point of no return is rolled back: Redis stopped, the placed file moved
 * aside, the originals moved back, redis.conf restored, and Redis started again if it was running.
 */
export function restoreRunbook(
  deps: RecoveryDeps,
  source: RestoreSource | null,
  kind: SourceKind = source?.kind ?? 'local-copy',
  options: { withConfig?: boolean } = {},
): Runbook<S> {
  const name = restoreRunbookName(kind);
  const needSource = (): RestoreSource => {
    if (!source) throw new RedbackError('INTERNAL', `${name} run without its source`);
    return source;
  };
  const q = (s: S, env: StepEnv): string => (s.report.quarantineDir ??= runQuarantineDir(s.facts.dir, env.runId));
  const isProcess = deps.controller.kind === 'process';

  /**
   * Fetches the source's AOF directory next to the live data and checks it: every file's size and
   * SHA-256 against the source's manifest, then redis-check-aof on the whole directory. Any
   * problem is a clear note and the run falls back to the RDB (the AOF is rebuilt from it).
   */
  const fetchSourceAof = async (s: S, env: StepEnv): Promise<void> => {
    const dir = join(s.facts.dir, `.redback-restore-${env.runId}-aof`);
    await rm(dir, { recursive: true, force: true }); // our own leftover from an interrupted fetch
    let problem: string | null = null;
    try {
      await needSource().fetchAof!(dir);
      const check = await checkAof(join(dir, s.aofFromSource!.manifestName));
      if (!check.ok) problem = `redis-check-aof: ${check.message}`;
    } catch (err) {
      if (err instanceof RedbackError && (err.code.startsWith('ENCRYPTION_KEY') || err.code === 'OFFSITE_AUTH' || err.code === 'CANCELLED')) throw err;
      problem = (err as Error).message;
    }
    if (problem) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      s.aofStaged = null;
      s.aofSkipped = `the set's AOF is not usable (${problem}): restoring the RDB, the AOF is rebuilt from it`;
      env.warn(s.aofSkipped);
      return;
    }
    s.aofStaged = dir;
    env.note(`staged the set's AOF directory (${s.aofFromSource!.files} files): sha256 verified, redis-check-aof clean`);
  };
  /** The set's AOF is (being) restored: Redis starts with it instead of loading the RDB with the AOF off. */
  const usingAof = (s: S): boolean => Boolean(s.aofStaged || s.aofPlaced);

  const preflight: Step<S> = {
    name: 'preflight',
    describe: (s) =>
      `pre-flight: RDB format ${s.expected.rdbVersion} readable by the server, ≥ 2 × ${formatBytes(s.expected.bytes)} free in ${s.facts.dir}, maxmemory vs used-mem ${s.expected.usedMem === null ? '?' : formatBytes(s.expected.usedMem)}, not a replica, redis can be started with the AOF off`,
    run: async (s, env) => {
      q(s, env);
      s.stagedFile ??= join(s.facts.dir, `.redback-restore-${env.runId}.rdb`);
      const checks = await runPreflight(s.facts, s.expected);
      s.preflight = checks;
      for (const c of checks) {
        if (c.ok && c.severity === 'warning') env.warn(`${c.name}: ${c.detail}`);
        else env.note(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name}: ${c.detail}`);
      }
      assertPreflight(s.facts.instance, checks);
    },
  };

  const fetch: Step<S> = {
    name: 'fetch-and-verify',
    describe: (s) =>
      s.source.kind === 'aof-archive'
        ? `download ${s.sourceLabel}, verifying every object's size and SHA-256; write an appendonlydir with a manifest, cut it at ${s.expected.snapshotAt} with redis-check-aof --truncate-to-timestamp, replay it in a scratch redis-server into ${join(s.facts.dir, '.redback-restore-<run>.rdb')} (redis is not touched)`
        : `copy ${s.sourceLabel} to ${join(s.facts.dir, '.redback-restore-<run>.rdb')}, verifying SHA-256 ${s.expected.sha256.slice(0, 12)}… and the RDB CRC-64${s.aofFromSource ? `; and its AOF directory (${s.aofFromSource.files} files, SHA-256 each, redis-check-aof) to ${join(s.facts.dir, '.redback-restore-<run>-aof/')}, falling back to the RDB if it is incomplete or bad` : ''} (redis is not touched)`,
    run: async (s, env) => {
      if (s.placed) return env.note('already placed by this run');
      const staged = s.stagedFile!;
      await unlink(staged).catch(() => undefined); // our own leftover from an interrupted fetch
      const started = Date.now();
      // Not fsynced here: once the AOF is rebuilt (enable-aof) the data is durable in the AOF, and
      // until then a crash leaves at worst a torn dump.rdb that Redis refuses (CRC-64) and the run
      // rolls back from. Without an AOF, rewrite-config fsyncs dump.rdb before the run succeeds.
      const result = await needSource().fetch(staged, (done, total) => env.progress(`${formatBytes(done)} / ${formatBytes(total)}`, total ? done / total : undefined, { done, total }), { durable: false });
      s.fetched = { sha256: result.sha256, bytes: result.bytes, ms: Date.now() - started };
      if (result.expected) {
        // aof-archive: what the replayed RDB holds is known only now; verify-keys checks against it.
        s.expected = result.expected;
        s.report.keysExpected = totalKeysOf(result.expected.keys);
      }
      for (const line of result.notes ?? []) env.note(line);
      env.note(`staged ${formatBytes(result.bytes)} in ${formatDuration(s.fetched.ms)}: sha256 and crc64 verified`);
      if (s.aofSkipped) env.note(`AOF: ${s.aofSkipped}`);
      if (s.aofFromSource) await fetchSourceAof(s, env);
    },
    rollback: async (s) => {
      if (s.stagedFile) await unlink(s.stagedFile).catch(() => undefined);
      if (s.aofStaged) await rm(s.aofStaged, { recursive: true, force: true }).catch(() => undefined);
    },
  };

  const stop: Step<S> = {
    name: 'stop-redis',
    describe: () => `stop redis if it runs: ${deps.controller.describe('stop')} (a hard link of dump.rdb is kept first: a shutdown save may replace it)`,
    run: async (s, env) => {
      const running = await deps.controller.isRunning();
      if (s.wasRunning === null) {
        s.wasRunning = running;
        await env.checkpoint();
      }
      if (!running) return env.note(s.wasRunning ? 'redis already stopped (by this run)' : 'redis was not running');
      if ((await exists(s.facts.rdbFile)) && !s.beforeStopLink) {
        const folder = q(s, env);
        await keepLink(folder, s.facts.rdbFile, `${s.facts.dbfilename}.before-stop`);
        s.beforeStopLink = join(folder, `${s.facts.dbfilename}.before-stop`);
        await env.checkpoint();
        env.note(`kept ${s.facts.rdbFile} as it was before the stop: ${s.beforeStopLink}`);
      }
      await deps.controller.stop();
      env.note('redis stopped');
    },
    rollback: async (s, env) => {
      if (!s.wasRunning) return;
      if (await deps.controller.isRunning()) return env.note('redis is running');
      await refuseWhileAside(s);
      await guardStart(deps.ctx, trapFactsOf(s.facts));
      await deps.controller.start();
      await waitLoaded(deps.instance, { timeoutMs: deps.timeouts.loadMs, isRunning: () => deps.controller.isRunning() });
      env.note('redis started again as it was before the run');
    },
  };

  const moveAside: Step<S> = {
    name: 'move-aside',
    describe: (s) => `move ${s.facts.rdbFile} and ${s.facts.aofDir}/ (whatever exists) into ${s.facts.dir}/redback-quarantine/<run>/ (never deleted; each move is journaled before the rename)`,
    run: async (s, env) => {
      const folder = q(s, env);
      const legacyAof = join(s.facts.dir, s.facts.appendfilename);
      for (const [what, from, why] of [
        ['rdb', s.facts.rdbFile, 'live RDB replaced by a restore'],
        ['aof-dir', s.facts.aofDir, usingAof(s) ? "live AOF directory replaced by a restore (by the source's AOF)" : 'live AOF directory replaced by a restore (the AOF is rebuilt from the restored data)'],
        ['aof-file', legacyAof, 'old-style AOF file replaced by a restore'],
      ] as const) {
        const record = await moveAsideJournaled(s.moved, { what, folder, source: from, reason: why }, () => {
          s.report.movedAside = movedOf(s);
          return env.checkpoint();
        });
        if (record) env.note(`moved ${record.from} → ${record.to}`);
      }
      s.report.movedAside = movedOf(s);
      if (s.moved.length === 0) env.note('no live data files to move aside');
    },
    rollback: async (s, env) => {
      await ensureStopped(deps.controller);
      const folder = q(s, env);
      // The journal says what was planned; the file system says what happened: a move planned
      // but never renamed has nothing in quarantine, one renamed just before a kill has.
      for (const entry of [...s.moved].reverse()) {
        if (!(await exists(entry.to))) continue; // never renamed, or already back
        if (await exists(entry.from)) {
          const displaced = await moveIntoQuarantine(join(folder, 'displaced-by-rollback'), entry.from, 'created after the restore began; moved away so the original can go back');
          env.note(`moved ${entry.from} → ${displaced}`);
        }
        await restoreFromQuarantine(entry);
        env.note(`moved back ${entry.to} → ${entry.from}`);
      }
      await refuseWhileAside(s);
    },
  };

  const place: Step<S> = {
    name: 'place-rdb',
    describe: (s) => `rename the staged RDB to ${s.facts.rdbFile} and fsync ${s.facts.dir}`,
    run: async (s, env) => {
      const staged = s.stagedFile!;
      if (!(await exists(staged))) {
        if (s.placed && (await exists(s.placed))) {
          env.note(`already placed at ${s.placed}`);
          if (s.aofStaged) await placeAof(s, env); // a kill between the two renames
          return;
        }
        throw new RedbackError('RESTORE_FAILED', `the staged RDB ${staged} disappeared`, { hint: 'roll back (--rollback) and run recover again' });
      }
      const unexpected = await moveAsideJournaled(
        s.moved,
        { what: 'unexpected-rdb', folder: q(s, env), source: s.facts.rdbFile, reason: 'appeared after the move-aside step', name: `${s.facts.dbfilename}.unexpected` },
        () => env.checkpoint(),
      );
      if (unexpected) env.warn(`${s.facts.rdbFile} appeared after the move-aside step: moved to ${unexpected.to}`);
      if (s.placed !== s.facts.rdbFile) {
        s.placed = s.facts.rdbFile; // journaled before the rename: a rollback then looks for it
        await env.checkpoint();
      }
      try {
        await matchDirOwner(staged, s.facts.dir);
        failpoint('move:place-rdb:before-rename');
        await rename(staged, s.facts.rdbFile);
        await fsyncDir(s.facts.dir);
        failpoint('move:place-rdb:after-rename');
      } catch (err) {
        throw storageError(err, 'place restored RDB at', s.facts.rdbFile);
      }
      env.note(`placed ${formatBytes(s.expected.bytes)} at ${s.facts.rdbFile}`);
      if (s.aofStaged) await placeAof(s, env);
    },
    rollback: async (s, env) => {
      await ensureStopped(deps.controller);
      if (s.placed && (await exists(s.facts.rdbFile))) {
        const to = await moveIntoQuarantine(join(q(s, env), 'rolled-back'), s.facts.rdbFile, 'the restored RDB, moved away by the rollback');
        env.note(`moved the restored RDB aside: ${to}`);
      }
      s.placed = null;
      if (s.aofPlaced && (await exists(s.aofPlaced))) {
        const to = await moveIntoQuarantine(join(q(s, env), 'rolled-back'), s.aofPlaced, 'the restored AOF directory, moved away by the rollback');
        env.note(`moved the restored AOF directory aside: ${to}`);
      }
      s.aofPlaced = null;
    },
  };

  /** Renames the staged AOF directory to the instance's appenddir (journaled first) and fsyncs the dir. */
  const placeAof = async (s: S, env: StepEnv): Promise<void> => {
    const staged = s.aofStaged!;
    if (!(await exists(staged))) {
      if (s.aofPlaced && (await exists(s.aofPlaced))) return env.note(`AOF directory already placed at ${s.aofPlaced}`);
      throw new RedbackError('RESTORE_FAILED', `the staged AOF directory ${staged} disappeared`, { hint: 'roll back (--rollback) and run recover again' });
    }
    const unexpected = await moveAsideJournaled(
      s.moved,
      { what: 'unexpected-aof-dir', folder: q(s, env), source: s.facts.aofDir, reason: 'appeared after the move-aside step', name: `${s.facts.appenddirname}.unexpected` },
      () => env.checkpoint(),
    );
    if (unexpected) env.warn(`${s.facts.aofDir} appeared after the move-aside step: moved to ${unexpected.to}`);
    if (s.aofPlaced !== s.facts.aofDir) {
      s.aofPlaced = s.facts.aofDir; // journaled before the rename: a rollback then looks for it
      await env.checkpoint();
    }
    try {
      await matchDirOwner(staged, s.facts.dir, true);
      failpoint('move:place-aof:before-rename');
      await rename(staged, s.facts.aofDir);
      await fsyncDir(s.facts.dir);
      failpoint('move:place-aof:after-rename');
    } catch (err) {
      throw storageError(err, 'place restored AOF directory at', s.facts.aofDir);
    }
    env.note(`placed the set's AOF directory at ${s.facts.aofDir}`);
  };

  const restoreConfig: Step<S> = {
    name: 'restore-config',
    describe: (s) =>
      s.withConfig
        ? `put back the source's redis.conf${s.facts.configFile ? ` as ${s.facts.configFile}` : ''} and ACL file (verified SHA-256); the current ones are moved into the run's quarantine folder`
        : 'skipped: redis.conf and the ACL file stay as they are (--with-config restores them)',
    run: async (s, env) => {
      if (!s.withConfig) return env.note('redis.conf and the ACL file left as they are');
      if (!s.facts.configFile) throw new RedbackError('RESTORE_FAILED', 'redis.conf of the instance is unknown: cannot restore it', { hint: 'set configFile for the instance in the agent config, or leave out --with-config' });
      const staged = join(s.facts.dir, `.redback-restore-${env.runId}-config`);
      const files = await needSource().fetchConfigFiles!(staged);
      const conf = files.find((f) => f.kind === 'config');
      const acl = files.find((f) => f.kind === 'acl');
      const placed = (s.configPlaced ??= []);
      const put = async (from: string, to: string, kind: 'config' | 'acl') => {
        if (placed.some((p) => p.path === to)) return;
        const record = await moveAsideJournaled(
          s.moved,
          { what: kind, folder: q(s, env), source: to, reason: `replaced by the ${kind === 'config' ? 'redis.conf' : 'ACL file'} of ${s.sourceLabel} (--with-config)` },
          () => env.checkpoint(),
        );
        const aside = record?.to ?? null;
        await rename(from, to).catch((err) => {
          throw storageError(err, 'place restored', to);
        });
        placed.push({ kind, path: to });
        await env.checkpoint();
        env.note(`restored ${to}${aside ? ` (the current one moved to ${aside})` : ''}`);
      };
      if (conf) await put(conf.path, s.facts.configFile, 'config');
      else env.warn('the source has no redis.conf');
      if (acl) {
        const aclfile = effectiveValue(await readRedisConf(s.facts.configFile), 'aclfile', null);
        if (aclfile) await put(acl.path, isAbsolute(aclfile) ? aclfile : join(s.facts.dir, aclfile), 'acl');
        else env.warn(`the source has an ACL file (${acl.name}) but the restored redis.conf sets no aclfile: not placed`);
      }
      await rm(staged, { recursive: true, force: true });
    },
  };

  const aofOff: Step<S> = {
    name: 'aof-off-for-load',
    describe: (s) =>
      s.aofFromSource
        ? `redis.conf unchanged when the set's AOF is used (redis loads it with appendonly yes); otherwise ${isProcess ? 'process control starts redis with --appendonly no' : `appendonly no is written into ${s.facts.configFile} for the load`}`
        : isProcess
          ? 'redis.conf unchanged: process control starts redis with --appendonly no'
          : `write appendonly no into ${s.facts.configFile} for the load (the original is copied into the run's quarantine folder first)`,
    run: async (s, env) => {
      if (usingAof(s)) return env.note("no redis.conf change: redis loads the set's AOF with appendonly yes");
      if (isProcess) return env.note('no redis.conf change: the start passes --appendonly no');
      const conf = s.facts.configFile!;
      if (!s.confEdit) {
        const result = await setDirectives(conf, { appendonly: 'no' }, q(s, env), { reason: `redback restore ${env.runId}: AOF off while the RDB loads` });
        if (result.backupFolder) {
          s.confEdit = { path: result.path, backupFile: join(result.backupFolder, basename(result.path)) };
          s.report.confBackup = s.confEdit.backupFile;
          await env.checkpoint();
          env.note(`appendonly no written to ${result.path}; original kept in ${s.confEdit.backupFile}`);
        } else {
          env.note(`${conf} already says appendonly no`);
        }
      }
      const check = await readRedisConf(conf);
      if (effectiveValue(check, 'appendonly', 'no') !== 'no') {
        throw new RedbackError('RESTORE_FAILED', `${conf} still says appendonly yes after the edit (an include may override it)`, {
          hint: 'set appendonly no where the include sets it, or use control type process',
        });
      }
    },
    rollback: async (s, env) => {
      if (!s.confEdit) return;
      await restoreConf(s.confEdit);
      env.note(`restored ${s.confEdit.path} from ${s.confEdit.backupFile}`);
    },
  };

  const startAofOff: Step<S> = {
    name: 'start-aof-off',
    describe: (s) =>
      s.aofFromSource
        ? `start redis: with the set's AOF placed, as configured (${deps.controller.describe('start')}, it loads the AOF); otherwise with the AOF off${isProcess ? ' (--appendonly no)' : ''}`
        : `start redis with the AOF off: ${deps.controller.describe('start')}${isProcess ? ' --appendonly no' : ''}`,
    run: async (s, env) => {
      if (usingAof(s)) {
        if (await deps.controller.isRunning()) return env.note('redis already runs (started by this run)');
        await guardStart(deps.ctx, trapFactsOf(s.facts), true);
        await deps.controller.start();
        s.report.startedBy = 'redback';
        return env.note("redis started with appendonly yes on the set's AOF");
      }
      if (await deps.controller.isRunning()) {
        const redis = await connectForRecovery(deps.instance);
        try {
          const info = await readInfo(redis, 'persistence');
          if (info.aof_enabled === '0') return env.note('redis already runs with the AOF off (started by this run)');
        } finally {
          await redis.close();
        }
        throw new RedbackError('UNSAFE_REFUSED', `redis ${s.facts.instance} was started by someone else with the AOF on during the restore`, {
          hint: 'stop it, then run recover --rollback (the original files are in the quarantine folder)',
        });
      }
      await guardStart(deps.ctx, trapFactsOf(s.facts), false);
      await deps.controller.start(isProcess ? { overrides: { appendonly: 'no' } } : {});
      s.report.startedBy = 'redback';
      env.note('redis started with appendonly no');
    },
    rollback: async (_s, env) => {
      await ensureStopped(deps.controller);
      env.note('redis stopped');
    },
  };

  const wait = waitLoadedStep<S>(deps);

  const verify: Step<S> = {
    name: 'verify-keys',
    describe: (s) =>
      `verify the keys against the source's manifest: rdb_last_load_keys_loaded + rdb_last_load_keys_expired = ${totalKeysOf(s.expected.keys)}${totalKeysOf(s.expected.hashesWithFieldTtl ?? {}) > 0 ? ` less up to ${totalKeysOf(s.expected.hashesWithFieldTtl ?? {})} hashes with field TTLs (dropped whole when every field expired)` : ''}, and per database (${formatKeys(s.expected.keys)}) no more than the manifest and no fewer than it minus its keys with a TTL and hashes with field TTLs`,
    run: async (s, env) => {
      if (usingAof(s)) return verifyAofLoad(s, env);
      const redis = await connectForRecovery(deps.instance);
      let persistence;
      let keyspace;
      try {
        persistence = await readInfo(redis, 'persistence');
        keyspace = parseKeyspace(await readInfo(redis, 'keyspace'));
      } finally {
        await redis.close();
      }
      const expectedTotal = totalKeysOf(s.expected.keys);
      const check = checkKeys(s.expected, persistence, keyspace);
      const { problems, keysExpired: expiredKeys } = check;
      s.loadCheck = { keysLoaded: check.keysLoaded, keysExpired: check.keysExpired };
      if (check.keysLoaded === null || check.keysExpired === null) env.warn('this redis does not report rdb_last_load_keys_loaded: checked per database only');
      const total = check.total;
      s.report.keys = total;
      s.report.keyspace = keyspace;
      if (problems.length > 0) {
        throw new RedbackError('RESTORE_FAILED', `the restored data does not match ${s.sourceLabel}: ${problems.join('; ')}`, {
          hint: 'the run is rolled back (the original files go back); check the copy with redback agent verify',
          details: { problems },
        });
      }
      env.note(`${total} keys (${formatKeys(Object.fromEntries(Object.entries(keyspace).map(([d, v]) => [d, v.keys])))}) match the manifest (${expectedTotal}${expiredKeys ? `, ${expiredKeys} expired while loading` : ''})`);
    },
  };

  /**
   * With the set's AOF, Redis loaded the AOF (pinned after the RDB), so the RDB's key counts are
   * not the target: the check is that Redis runs with the AOF on, the load finished without error
   * and the AOF is writable; the key counts are reported next to the RDB's.
   */
  const verifyAofLoad = async (s: S, env: StepEnv): Promise<void> => {
    const redis = await connectForRecovery(deps.instance);
    let persistence;
    let keyspace;
    try {
      persistence = await readInfo(redis, 'persistence');
      keyspace = parseKeyspace(await readInfo(redis, 'keyspace'));
    } finally {
      await redis.close();
    }
    const problems: string[] = [];
    if (persistence.aof_enabled !== '1') problems.push(`aof_enabled:${persistence.aof_enabled ?? '?'}`);
    if (persistence.loading !== '0') problems.push(`loading:${persistence.loading ?? '?'}`);
    if (persistence.aof_last_write_status && persistence.aof_last_write_status !== 'ok') problems.push(`aof_last_write_status:${persistence.aof_last_write_status}`);
    const total = Object.values(keyspace).reduce((n, v) => n + v.keys, 0);
    s.report.keys = total;
    s.report.keyspace = keyspace;
    if (problems.length > 0) {
      throw new RedbackError('RESTORE_FAILED', `redis did not come up on the AOF of ${s.sourceLabel}: ${problems.join(', ')}`, {
        hint: 'the run is rolled back (the original files go back); check the redis log',
        details: { problems },
      });
    }
    env.note(`${total} keys loaded from the set's AOF (the set's RDB, taken before the AOF was pinned, has ${totalKeysOf(s.expected.keys)})`);
  };

  const enableAof: Step<S> = {
    name: 'enable-aof',
    pointOfNoReturn: true,
    describe: (s) =>
      s.wantAof
        ? 'CONFIG SET appendonly yes, wait until aof_rewrite_in_progress:0, aof_rewrite_scheduled:0, aof_last_bgrewrite_status:ok and the AOF manifest exists [point of no return: clients may write from here on]'
        : `skipped: ${s.facts.configFile ?? 'redis.conf'} has appendonly no`,
    run: async (s, env) => {
      if (!s.wantAof) return env.note('appendonly no in redis.conf: the AOF stays off');
      if (usingAof(s)) return env.note("the AOF is on: redis runs on the set's AOF (nothing to rebuild)");
      const redis = await connectForRecovery(deps.instance, 60_000);
      try {
        const before = await readInfo(redis, 'persistence');
        const started = Date.now();
        let rewritesBefore: number | null = infoNumber(before, 'aof_rewrites');
        if (before.aof_enabled !== '1') {
          await redis.call('CONFIG', 'SET', 'appendonly', 'yes');
          env.note('CONFIG SET appendonly yes: redis rewrites the AOF from memory');
        } else {
          rewritesBefore = null; // resumed: the rewrite was started by this run before
        }
        const info = await waitAofRewritten(redis, s.facts.manifestPath, { timeoutMs: deps.timeouts.rewriteMs, rewritesBefore, onProgress: (m) => env.progress(m) });
        s.aofRewriteMs = Date.now() - started;
        s.report.aofEnabled = true;
        env.note(`AOF rebuilt in ${formatDuration(s.aofRewriteMs)} (aof_last_bgrewrite_status:${info.aof_last_bgrewrite_status}); ${s.facts.manifestPath} exists`);
      } finally {
        await redis.close();
      }
    },
    rollback: async (s) => {
      if (!s.wantAof) return;
      const redis = await connectForRecovery(deps.instance).catch(() => null);
      if (!redis) return;
      try {
        await redis.call('CONFIG', 'SET', 'appendonly', 'no').catch(() => undefined);
      } finally {
        await redis.close();
      }
    },
  };

  const rewriteConfig: Step<S> = {
    name: 'rewrite-config',
    describe: (s) => (s.wantAof ? `CONFIG REWRITE so ${s.facts.configFile ?? 'redis.conf'} says appendonly yes, then read the file back to check` : `the AOF stays off: fsync ${s.facts.rdbFile}, the only durable copy`),
    run: async (s, env) => {
      if (!s.wantAof) {
        await fsyncFile(s.facts.rdbFile);
        return env.note(`nothing to write; ${s.facts.rdbFile} fsynced (without an AOF it is the durable copy)`);
      }
      const redis = await connectForRecovery(deps.instance);
      try {
        try {
          await redis.call('CONFIG', 'REWRITE');
          env.note('CONFIG REWRITE done');
        } catch (err) {
          if (!s.facts.configFile) throw err;
          await setDirectives(s.facts.configFile, { appendonly: 'yes' }, q(s, env), { reason: `redback restore ${env.runId}: CONFIG REWRITE failed` });
          env.warn(`CONFIG REWRITE failed (${(err as Error).message}); redback wrote appendonly yes into ${s.facts.configFile} itself`);
        }
        const live = (await redis.call('CONFIG', 'GET', 'appendonly')) as string[];
        if (live[1] !== 'yes') throw new RedbackError('RESTORE_FAILED', `CONFIG GET appendonly says ${live[1]}`, { hint: 'run CONFIG SET appendonly yes and CONFIG REWRITE by hand' });
      } finally {
        await redis.close();
      }
      if (s.facts.configFile) {
        const conf = await readRedisConf(s.facts.configFile);
        const value = effectiveValue(conf, 'appendonly', 'no');
        if (value !== 'yes') {
          throw new RedbackError('RESTORE_FAILED', `${s.facts.configFile} says appendonly ${value} after CONFIG REWRITE`, {
            hint: `set appendonly yes in ${s.facts.configFile} by hand: a restart would run without the AOF`,
          });
        }
        env.note(`${s.facts.configFile} says appendonly yes`);
      } else {
        env.warn('redis.conf is unknown to redback: check by hand that it says appendonly yes');
      }
    },
  };

  /**
   * `--resume` after a reboot or a crash of Redis: once start-aof-off is done the remaining steps
   * talk to Redis, so it is started again the way the run left it — with the AOF off and the
   * placed RDB before enable-aof, with its config (the rebuilt AOF) after.
   */
  const beforeResume = async (s: S, done: (step: string) => boolean, env: StepEnv): Promise<void> => {
    if (!done('start-aof-off') || (await deps.controller.isRunning())) return;
    if (done('enable-aof') || usingAof(s)) {
      if (s.confEdit) await restoreConf(s.confEdit); // the AOF exists again: redis.conf may say yes
      await guardStart(deps.ctx, trapFactsOf(s.facts));
      await deps.controller.start();
      env.note('redis was down: started with its config (the AOF rebuilt by this run)');
    } else {
      await guardStart(deps.ctx, trapFactsOf(s.facts), false);
      await deps.controller.start(isProcess ? { overrides: { appendonly: 'no' } } : {});
      env.note('redis was down: started again with the AOF off to load the placed RDB');
    }
    s.report.startedBy = 'redback';
    await waitLoaded(deps.instance, { timeoutMs: deps.timeouts.loadMs, isRunning: () => deps.controller.isRunning() });
  };

  return {
    name,
    summary: 'restore an RDB the safe way (S12): stop, move aside, place, load with the AOF off, verify, rebuild the AOF',
    // restore-config only with --with-config (the journal records it, so a resume rebuilds the same list)
    steps: [preflight, fetch, stop, moveAside, place, ...(options.withConfig ? [restoreConfig] : []), aofOff, startAofOff, wait, verify, enableAof, rewriteConfig],
    beforeResume,
  };
}

function movedOf(s: S): Array<{ from: string; to: string }> {
  return s.moved.filter((m) => m.moved !== false).map((m) => ({ from: m.from, to: m.to }));
}

/** A rollback never starts Redis, nor says it is done, while live data of this run sits in quarantine. */
async function refuseWhileAside(s: S): Promise<void> {
  const aside = await stillAside(s.moved);
  if (aside.length === 0) return;
  throw new RedbackError('RESTORE_FAILED', `live data is still in quarantine: ${aside.map((m) => `${m.from} is at ${m.to}`).join('; ')}`, {
    hint: 'move it back by hand (mv), then run recover --rollback again; do not start redis before',
  });
}

async function restoreConf(edit: { path: string; backupFile: string }): Promise<void> {
  const original = await readFile(edit.backupFile);
  const mode = (await stat(edit.path)).mode & 0o7777;
  await writeFileAtomic(edit.path, original, mode);
}

/**
 * Stops Redis for a rollback. 'process' control is asked only when Redis runs (its stop looks up
 * the pid over a connection); systemd and exec are always stopped through their unit or command,
 * since a unit with Restart=always may be between restarts.
 */
async function ensureStopped(controller: RedisController): Promise<void> {
  if (controller.kind !== 'process' || (await controller.isRunning())) await controller.stop();
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/**
 * An agent running as root writes the staged file as root (mode 0600): hand it to the owner of
 * the Redis `dir`, the user Redis runs as, or Redis could not read it.
 */
async function matchDirOwner(file: string, dir: string, recursive = false): Promise<void> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return;
  const [d, f] = await Promise.all([stat(dir), stat(file)]);
  if (d.uid !== f.uid || d.gid !== f.gid) await chown(file, d.uid, d.gid);
  if (recursive && f.isDirectory()) {
    for (const name of await readdir(file)) await chown(join(file, name), d.uid, d.gid);
  }
}

/** Hard-links `source` into `folder` as `name` (idempotent): the bytes stay whatever replaces `source`. */
async function keepLink(folder: string, source: string, name: string): Promise<void> {
  await ensureDir(folder);
  const target = join(folder, name);
  if (await exists(target)) return;
  try {
    await link(source, target);
    await fsyncDir(folder);
  } catch (err) {
    throw storageError(err, 'keep a link of', source);
  }
}
