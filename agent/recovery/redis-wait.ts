import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { exists } from '../../shared/fs/durable.js';
import { formatDuration } from '../../shared/time/clock.js';
import { infoNumber, parseKeyspace, readInfo, type InfoFields } from '../redis/info.js';
import type { RedisCommander } from '../redis/redis-client.js';
import { connectForRecovery } from '../state/instance-facts.js';
import { totalOf, type Keyspace } from '../state/instance-state.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LoadedInfo {
  persistence: InfoFields;
  keyspace: Keyspace;
  keys: number;
  runId: string | null;
  loadMs: number;
}

/**
 * Waits until a (re)started Redis answers and says `loading:0` (INFO answers while loading; PING
 * and DBSIZE do not). Fails early when Redis is gone (`isRunning` false while it refuses
 * connections): it exited, e.g. on a file it could not load.
 */
export async function waitLoaded(
  instance: InstanceConfig,
  options: { timeoutMs: number; isRunning: () => Promise<boolean>; onProgress?: (message: string, fraction?: number) => void; pollMs?: number },
): Promise<LoadedInfo> {
  const started = Date.now();
  let pollMs = 20;
  let refusedSince: number | null = null;
  let lastError = '';
  for (;;) {
    let redis;
    try {
      redis = await connectForRecovery(instance, 10_000);
    } catch (err) {
      if (err instanceof RedbackError && err.code === 'REDIS_AUTH') throw err;
      lastError = (err as Error).message;
      refusedSince ??= Date.now();
      if (Date.now() - refusedSince > 1000 && !(await options.isRunning())) {
        throw new RedbackError('CONTROL_FAILED', `redis ${instance.name} exited before it finished loading (${lastError})`, {
          hint: 'read the redis log: it may have refused the data files (the originals are in the quarantine folder)',
        });
      }
    }
    if (redis) {
      refusedSince = null;
      try {
        const persistence = await readInfo(redis, 'persistence');
        if (persistence.loading === '0') {
          const keyspace = parseKeyspace(await readInfo(redis, 'keyspace'));
          const server = await readInfo(redis, 'server');
          return { persistence, keyspace, keys: totalOf(keyspace), runId: server.run_id ?? null, loadMs: Date.now() - started };
        }
        const perc = infoNumber(persistence, 'loading_loaded_perc');
        options.onProgress?.(`loading ${perc ?? '?'}% (${formatDuration(Date.now() - started)})`, perc === null ? undefined : perc / 100);
      } catch (err) {
        lastError = (err as Error).message;
      } finally {
        await redis.close();
      }
    }
    if (Date.now() - started > options.timeoutMs) {
      throw new RedbackError('TIMEOUT', `redis ${instance.name} did not finish loading within ${formatDuration(options.timeoutMs)}${lastError ? ` (${lastError})` : ''}`, {
        hint: 'the dataset may be very large or the disk slow; check INFO persistence and the redis log, then resume with --resume',
      });
    }
    await sleep(pollMs);
    pollMs = Math.min(pollMs * 2, options.pollMs ?? 50);
  }
}

/**
 * After `CONFIG SET appendonly yes`: waits until the AOF rewrite it started has finished well —
 * `aof_rewrite_in_progress:0`, `aof_rewrite_scheduled:0`, `aof_last_bgrewrite_status:ok`,
 * `aof_enabled:1` — and the AOF manifest exists.
 */
export async function waitAofRewritten(
  redis: RedisCommander,
  manifestPath: string,
  options: { timeoutMs: number; rewritesBefore: number | null; onProgress?: (message: string) => void; pollMs?: number },
): Promise<InfoFields> {
  const started = Date.now();
  let pollMs = 20;
  for (;;) {
    const info = await readInfo(redis, 'persistence');
    const idle = info.aof_rewrite_in_progress === '0' && info.aof_rewrite_scheduled === '0';
    const rewrites = infoNumber(info, 'aof_rewrites');
    const rewrote = options.rewritesBefore === null || rewrites === null || rewrites > options.rewritesBefore;
    if (idle && info.aof_last_bgrewrite_status === 'err') {
      throw new RedbackError('RESTORE_FAILED', 'the AOF rewrite after CONFIG SET appendonly yes failed (aof_last_bgrewrite_status:err)', {
        hint: 'read the redis log (disk full? permissions of the AOF directory?); the data is loaded but has no AOF yet',
      });
    }
    if (idle && rewrote && info.aof_enabled === '1' && info.aof_last_bgrewrite_status === 'ok' && (await exists(manifestPath))) return info;
    if (Date.now() - started > options.timeoutMs) {
      throw new RedbackError('TIMEOUT', `the AOF rewrite did not finish within ${formatDuration(options.timeoutMs)}`, {
        hint: 'check INFO persistence (aof_rewrite_in_progress) and the redis log, then resume with --resume',
      });
    }
    options.onProgress?.(`AOF rewrite ${info.aof_rewrite_in_progress === '1' ? 'in progress' : 'scheduled'} (${formatDuration(Date.now() - started)})`);
    await sleep(pollMs);
    pollMs = Math.min(pollMs * 2, options.pollMs ?? 50);
  }
}
