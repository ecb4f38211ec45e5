import { RedbackError } from '../../shared/errors/index.js';
import type { PolicyApplyResult, SettingChange } from '../../shared/policy/apply-result.js';
import { applyOrder, sameSetting } from '../../shared/policy/persistence-policy.js';
import { infoNumber, readInfo } from '../redis/info.js';
import type { RedisCommander } from '../redis/redis-client.js';

export interface ApplyOptions {
  dryRun: boolean;
  signal?: AbortSignal;
  onPhase?: (phase: string, message: string) => void;
  /** INFO poll interval while waiting for the AOF rewrite. */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CONFIG GET of one setting: its value, or null when this server does not know it. */
async function configGet(redis: RedisCommander, key: string): Promise<string | null> {
  const reply = (await redis.call('CONFIG', 'GET', key)) as string[];
  for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === key) return reply[i + 1]!;
  return null;
}

/**
 * Brings one instance's persistence settings to a policy:
 * 1. CONFIG GET every setting the policy names: one the server does not know is a
 *    POLICY_UNSUPPORTED error before anything is set;
 * 2. the settings that differ, in a safe order (appendonly last when turning it on, so its
 *    rewrite uses the new AOF settings; first when turning it off); a dry run stops here;
 * 3. CONFIG SET each; if one fails, the ones already set are put back and nothing is changed;
 * 4. after `appendonly yes`, wait for the AOF rewrite it starts (aof_rewrite_in_progress:0,
 *    aof_last_bgrewrite_status:ok) — a failed rewrite puts everything back too;
 * 5. CONFIG REWRITE, so redis.conf says the same (not possible without a config file: reported);
 * 6. read every changed setting back.
 */
export async function applyPolicy(
  redis: RedisCommander,
  instance: string,
  desired: Record<string, string>,
  options: ApplyOptions,
): Promise<PolicyApplyResult> {
  const server = await readInfo(redis, 'server');
  const redisVersion = server.redis_version ?? '';
  const current = new Map<string, string>();
  const unknown: string[] = [];
  for (const key of Object.keys(desired)) {
    const value = await configGet(redis, key);
    if (value === null) unknown.push(key);
    else current.set(key, value);
  }
  if (unknown.length > 0) {
    throw new RedbackError(
      'POLICY_UNSUPPORTED',
      `redis ${instance} (${redisVersion || 'unknown version'}) does not know ${unknown.map((k) => `"${k}"`).join(', ')}; nothing was changed`,
      {
        hint: 'remove the setting from the policy in the coordinator config (policies:), or upgrade this Redis',
        details: { instance, redisVersion, unknown },
      },
    );
  }
  const differing = Object.keys(desired).filter((k) => !sameSetting(k, desired[k]!, current.get(k)!));
  const order = applyOrder(differing, desired.appendonly);
  const changes: SettingChange[] = order.map((key) => ({ key, before: current.get(key)!, want: desired[key]!, after: null }));
  const result: PolicyApplyResult = {
    instance,
    redisVersion,
    dryRun: options.dryRun,
    changes,
    unchanged: Object.keys(desired).filter((k) => !differing.includes(k)),
    persisted: null,
    notPersistedReason: null,
    configFile: server.config_file ?? '',
    warnings: warningsFor(changes),
    aofRewriteMs: null,
  };
  if (options.dryRun || changes.length === 0) return result;

  const done: SettingChange[] = [];
  const putBack = async (why: string, cause: unknown, code: 'POLICY_UNSUPPORTED' | 'CANCELLED' = 'POLICY_UNSUPPORTED'): Promise<never> => {
    const failedBack: string[] = [];
    for (const change of [...done].reverse()) {
      try {
        await redis.call('CONFIG', 'SET', change.key, change.before);
      } catch {
        failedBack.push(change.key);
      }
    }
    const back = done.length === 0 ? 'nothing was changed' : failedBack.length === 0 ? `put back ${done.map((c) => c.key).join(', ')}: nothing was changed` : `could NOT put back ${failedBack.join(', ')}`;
    const what = code === 'CANCELLED' ? `policy apply on ${instance} ${why}` : `redis ${instance} (${redisVersion}) refused the policy: ${why}`;
    throw new RedbackError(code, `${what}; ${back}`, {
      hint: failedBack.length ? 'check the instance with: redback policy show --instance ' + instance : 'see the Redis log; change the policy in the coordinator config or fix the server',
      cause,
      details: { instance, redisVersion, changed: done.map((c) => c.key), notRestored: failedBack },
    });
  };

  for (const change of changes) {
    if (options.signal?.aborted) await putBack('cancelled', null, 'CANCELLED');
    options.onPhase?.('config-set', `CONFIG SET ${change.key} ${JSON.stringify(change.want)}`);
    try {
      const before = change.key === 'appendonly' ? await readInfo(redis, 'persistence') : {};
      await redis.call('CONFIG', 'SET', change.key, change.want);
      done.push(change);
      if (change.key === 'appendonly' && change.want === 'yes') {
        options.onPhase?.('aof-rewrite', 'waiting for the AOF rewrite that appendonly yes starts');
        const started = Date.now();
        const problem = await waitForAofRewrite(redis, before, options);
        if (problem) await putBack(problem, null, options.signal?.aborted ? 'CANCELLED' : 'POLICY_UNSUPPORTED');
        result.aofRewriteMs = Date.now() - started;
      }
    } catch (err) {
      if (err instanceof RedbackError && (err.code === 'POLICY_UNSUPPORTED' || err.code === 'CANCELLED')) throw err;
      await putBack(`CONFIG SET ${change.key} ${change.want}: ${(err as Error).message.replace(/^.*answered CONFIG with an error: /, '')}`, err);
    }
  }

  options.onPhase?.('config-rewrite', 'CONFIG REWRITE');
  if (!result.configFile) {
    result.persisted = false;
    result.notPersistedReason = 'Redis runs without a config file: the change holds until it restarts';
  } else {
    try {
      await redis.call('CONFIG', 'REWRITE');
      result.persisted = true;
    } catch (err) {
      result.persisted = false;
      result.notPersistedReason = `CONFIG REWRITE failed (${(err as Error).message.replace(/^.*answered CONFIG with an error: /, '')}): the change holds until Redis restarts`;
    }
  }
  for (const change of changes) {
    change.after = await configGet(redis, change.key);
    if (change.after === null || !sameSetting(change.key, change.want, change.after)) {
      result.warnings.push(`${change.key} reads back as ${JSON.stringify(change.after)}, not ${JSON.stringify(change.want)}`);
    }
  }
  return result;
}

/** Null once the rewrite `appendonly yes` started has finished well; otherwise what went wrong. */
async function waitForAofRewrite(redis: RedisCommander, before: Record<string, string>, options: ApplyOptions): Promise<string | null> {
  const rewritesBefore = infoNumber(before, 'aof_rewrites') ?? 0;
  const failuresBefore = infoNumber(before, 'aof_rewrites_consecutive_failures') ?? 0;
  for (;;) {
    if (options.signal?.aborted) return 'cancelled while the AOF rewrite ran';
    const info = await readInfo(redis, 'persistence');
    const busy = info.aof_rewrite_in_progress === '1' || info.aof_rewrite_scheduled === '1';
    const rewrites = infoNumber(info, 'aof_rewrites');
    // Servers without the aof_rewrites counter (< 7.0): idle is enough.
    const ours = rewrites === null || rewrites > rewritesBefore;
    if (!busy && ours) {
      return info.aof_last_bgrewrite_status === 'ok' ? null : `the AOF rewrite after appendonly yes failed (aof_last_bgrewrite_status:${info.aof_last_bgrewrite_status})`;
    }
    // Redis retries a failed rewrite on its own; one failure is enough to stop and put things back.
    if ((infoNumber(info, 'aof_rewrites_consecutive_failures') ?? 0) > failuresBefore) return 'the AOF rewrite after appendonly yes failed (see the Redis log)';
    await sleep(options.pollMs ?? 100);
  }
}

function warningsFor(changes: readonly SettingChange[]): string[] {
  const warnings: string[] = [];
  for (const c of changes) {
    if (c.key === 'appendonly' && c.want === 'no') {
      warnings.push('appendonly no: the AOF will no longer be written; writes since the last RDB save are lost if the server stops (the AOF files on disk are left as they are)');
    }
    if (c.key === 'appendonly' && c.want === 'yes') {
      warnings.push('appendonly yes: Redis rewrites the AOF from memory now (a fork, like BGSAVE); apply waits for it to finish');
    }
    if (c.key === 'save' && c.want === '') warnings.push('save "": Redis will no longer take RDB snapshots on its own');
  }
  return warnings;
}
