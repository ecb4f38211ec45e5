import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { parseKeyspace, readInfo, type InfoFields } from '../redis/info.js';
import { connectForRecovery } from './connect.js';
import { totalOf, type Keyspace } from './instance-state.js';

/** One look at a running instance: INFO server, persistence, replication and keyspace. */
export interface Observation {
  up: boolean;
  /** Why it did not answer. */
  error: string | null;
  loading: boolean;
  /** Percent loaded while loading. */
  loadingPercent: number | null;
  runId: string | null;
  uptimeSeconds: number | null;
  keyspace: Keyspace;
  keys: number;
  aofEnabled: boolean | null;
  aofLastWriteStatus: string | null;
  role: string | null;
  info: InfoFields;
}

/**
 * Observes an instance without changing anything. A Redis that does not answer is reported as
 * down (with the reason); a refused password is thrown (REDIS_AUTH), since that is a config
 * problem, not an outage.
 */
export async function observeInstance(instance: InstanceConfig, timeoutMs = 5000): Promise<Observation> {
  let redis;
  try {
    redis = await connectForRecovery(instance, timeoutMs);
  } catch (err) {
    if (err instanceof RedbackError && err.code === 'REDIS_AUTH') throw err;
    return down((err as Error).message);
  }
  try {
    const info = { ...(await readInfo(redis, 'server')), ...(await readInfo(redis, 'persistence')), ...(await readInfo(redis, 'replication')), ...(await readInfo(redis, 'keyspace')) };
    const keyspace = parseKeyspace(info);
    const loading = info.loading === '1';
    return {
      up: true,
      error: null,
      loading,
      loadingPercent: loading && info.loading_loaded_perc ? Number(info.loading_loaded_perc) : null,
      runId: info.run_id ?? null,
      uptimeSeconds: info.uptime_in_seconds ? Number(info.uptime_in_seconds) : null,
      keyspace,
      keys: totalOf(keyspace),
      aofEnabled: info.aof_enabled === undefined ? null : info.aof_enabled === '1',
      aofLastWriteStatus: info.aof_last_write_status ?? null,
      role: info.role ?? null,
      info,
    };
  } catch (err) {
    if (err instanceof RedbackError && err.code === 'REDIS_AUTH') throw err;
    return down((err as Error).message);
  } finally {
    await redis.close();
  }
}

function down(error: string): Observation {
  return {
    up: false,
    error,
    loading: false,
    loadingPercent: null,
    runId: null,
    uptimeSeconds: null,
    keyspace: {},
    keys: 0,
    aofEnabled: null,
    aofLastWriteStatus: null,
    role: null,
    info: {},
  };
}
