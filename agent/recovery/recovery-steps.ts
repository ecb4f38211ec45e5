import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { formatKeys } from '../../shared/output/format.js';
import { formatDuration } from '../../shared/time/clock.js';
import type { AgentContext } from '../agent-context.js';
import type { RedisController } from '../control/index.js';
import { parseKeyspace, readInfo } from '../redis/info.js';
import type { PlanFacts } from './plan-facts.js';
import { waitLoaded } from './redis-wait.js';
import { guardStart } from './trap-guard.js';
import { connectForRecovery } from '../state/instance-facts.js';
import type { Keyspace } from '../state/instance-state.js';
import type { Runbook, Step, StepEnv } from '../runbooks/runbook.js';

/** What recovery runbooks need besides their state: rebuilt from the config on resume. */
export interface RecoveryDeps {
  ctx: AgentContext;
  instance: InstanceConfig;
  controller: RedisController;
  timeouts: { loadMs: number; rewriteMs: number };
}

export const DEFAULT_RECOVERY_TIMEOUTS = { loadMs: 2 * 3600_000, rewriteMs: 2 * 3600_000 };

export interface LastSeenSummary {
  at: string;
  keys: number;
  keyspace: Keyspace;
}

/** Facts a run gathers for its report (kept in the journal). */
export interface RecoveryReport {
  /** `<dir>/redback-quarantine/<runId>/`: everything moved or copied aside by this run. */
  quarantineDir: string | null;
  movedAside: Array<{ from: string; to: string }>;
  startedBy: 'redback' | 'already-running' | null;
  loadMs: number | null;
  keys: number | null;
  keyspace: Keyspace | null;
  aofEnabled: boolean | null;
  /** Keys the source's manifest promises (restores). */
  keysExpected: number | null;
  aofFix?: { file: string; bytesCut: number; bytesBefore: number; bytesAfter: number; originalCopy: string | null };
  confBackup?: string;
}

export interface RecoveryState {
  facts: PlanFacts;
  /** What the agent last saw of the instance, for the key comparison. */
  lastSeen: LastSeenSummary | null;
  report: RecoveryReport;
}

export function emptyReport(): RecoveryReport {
  return { quarantineDir: null, movedAside: [], startedBy: null, loadMs: null, keys: null, keyspace: null, aofEnabled: null, keysExpected: null };
}

export function trapFactsOf(facts: PlanFacts) {
  return { instance: facts.instance, appendonly: facts.appendonly, aofDir: facts.aofDir, rdbFile: facts.rdbFile, appendfilename: facts.appendfilename };
}

/** Refuses (UNSAFE_REFUSED) when starting with the config on disk would spring the AOF trap. */
export function trapGuardStep<S extends RecoveryState>(deps: RecoveryDeps): Step<S> {
  return {
    name: 'trap-guard',
    describe: (s) =>
      `refuse if ${s.facts.configFile ?? 'the config'} says appendonly yes while ${s.facts.aofDir} is missing and an RDB or local copies exist (the AOF trap)`,
    run: async (s, env) => {
      await guardStart(deps.ctx, trapFactsOf(s.facts));
      env.note(s.facts.appendonly === false ? 'appendonly is no: redis loads the RDB, no AOF trap' : 'no AOF trap: the AOF is present (or there is no data to lose)');
    },
  };
}

/** Starts Redis with the config on disk (trap-guarded); a running Redis is left alone. */
export function startStep<S extends RecoveryState>(deps: RecoveryDeps): Step<S> {
  return {
    name: 'start-redis',
    describe: () => `start redis: ${deps.controller.describe('start')} (not if it already runs)`,
    run: async (s, env) => {
      if (await deps.controller.isRunning()) {
        s.report.startedBy ??= 'already-running';
        env.note('redis is already running; not started again');
        return;
      }
      await guardStart(deps.ctx, trapFactsOf(s.facts));
      await deps.controller.start();
      s.report.startedBy = 'redback';
      env.note(`started: ${deps.controller.describe('start')}`);
    },
  };
}

/**
 * The `beforeResume` of runbooks that start Redis with its own config: when start-redis is done
 * but Redis is down now (a reboot, a crash), it is started again (trap-guarded) so the remaining
 * steps find it.
 */
export function restartIfStarted<S extends RecoveryState>(deps: RecoveryDeps): NonNullable<Runbook<S>['beforeResume']> {
  return async (s, done, env) => {
    if (!done('start-redis') || (await deps.controller.isRunning())) return;
    await guardStart(deps.ctx, trapFactsOf(s.facts));
    await deps.controller.start();
    s.report.startedBy = 'redback';
    env.note(`redis was down: started again for the resumed run (${deps.controller.describe('start')})`);
  };
}

/** Waits for `loading:0`. */
export function waitLoadedStep<S extends RecoveryState>(deps: RecoveryDeps): Step<S> {
  return {
    name: 'wait-loaded',
    describe: () => 'wait until INFO persistence says loading:0',
    run: async (s, env) => {
      const loaded = await waitLoaded(deps.instance, {
        timeoutMs: deps.timeouts.loadMs,
        isRunning: () => deps.controller.isRunning(),
        onProgress: (m, f) => env.progress(m, f),
      });
      s.report.loadMs = loaded.loadMs;
      s.report.keys = loaded.keys;
      s.report.keyspace = loaded.keyspace;
      env.note(`loaded: ${loaded.keys} keys (${formatKeys(countsOf(loaded.keyspace))}) after ${formatDuration(loaded.loadMs)}`);
    },
  };
}

/**
 * Confirms from INFO that the data came back the way it should: the AOF is enabled when
 * configured and its last write succeeded, and the key count is compared with what the agent last
 * saw (a large loss is a warning in the report, never silently fine).
 */
export function confirmStep<S extends RecoveryState>(deps: RecoveryDeps): Step<S> {
  return {
    name: 'confirm',
    describe: (s) =>
      `confirm from INFO: ${s.facts.appendonly === false ? 'appendonly off as configured' : 'aof_enabled:1 and aof_last_write_status:ok'}; compare keys with ${s.lastSeen ? `the ${s.lastSeen.keys} last seen at ${s.lastSeen.at}` : 'the last seen count (none recorded)'}`,
    run: async (s, env) => {
      const redis = await connectForRecovery(deps.instance);
      let persistence;
      let keyspace: Keyspace;
      try {
        persistence = await readInfo(redis, 'persistence');
        keyspace = parseKeyspace(await readInfo(redis, 'keyspace'));
      } finally {
        await redis.close();
      }
      const aofEnabled = persistence.aof_enabled === '1';
      s.report.aofEnabled = aofEnabled;
      if (s.facts.appendonly === true && !aofEnabled) {
        throw new RedbackError('RESTORE_FAILED', `redis ${s.facts.instance} runs without the AOF although ${s.facts.configFile ?? 'its config'} says appendonly yes`, {
          hint: 'check the running config (CONFIG GET appendonly) and redis.conf; redis may have been started with other settings',
        });
      }
      if (aofEnabled && persistence.aof_last_write_status !== 'ok') {
        throw new RedbackError('RESTORE_FAILED', `redis ${s.facts.instance} reports aof_last_write_status:${persistence.aof_last_write_status}`, {
          hint: 'the AOF cannot be written (disk full? permissions?): read the redis log',
        });
      }
      env.note(aofEnabled ? 'AOF enabled, last write ok' : 'AOF off (as configured)');
      const keys = Object.values(keyspace).reduce((n, db) => n + db.keys, 0);
      s.report.keys = keys;
      s.report.keyspace = keyspace;
      compareWithLastSeen(s.lastSeen, keys, keyspace, env);
    },
  };
}

/** Notes the key difference with the last observation; warns on a large loss. */
export function compareWithLastSeen(lastSeen: LastSeenSummary | null, keys: number, keyspace: Keyspace, env: StepEnv): void {
  if (!lastSeen) {
    env.note(`${keys} keys now (${formatKeys(countsOf(keyspace))}); redback has no earlier count to compare with`);
    return;
  }
  const diff = keys - lastSeen.keys;
  env.note(`${keys} keys now (${formatKeys(countsOf(keyspace))}); ${lastSeen.keys} last seen at ${lastSeen.at} (${diff >= 0 ? '+' : ''}${diff})`);
  const lost = -diff;
  if (lost > 0 && (keys === 0 || lost > Math.max(10, lastSeen.keys * 0.1))) {
    env.warn(`${lost} fewer keys than last seen (${lastSeen.keys} at ${lastSeen.at}, now ${keys}): check that this is expected`);
  }
}

export function countsOf(keyspace: Keyspace): Record<string, number> {
  return Object.fromEntries(Object.entries(keyspace).map(([db, v]) => [db, v.keys]));
}
