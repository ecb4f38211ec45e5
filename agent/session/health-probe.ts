import { statfs } from 'node:fs/promises';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import type { InstanceHealthReport } from './agent-codec.js';
import { infoNumber, parseInfo, parseKeyspace } from '../redis/info.js';
import { connectRedis, type ConnectedRedis } from '../redis/redis-client.js';
import type { LocalCopy } from '../store/local-store.js';

/**
 * What a heartbeat says about each instance, read from INFO over one kept-open connection per
 * instance (reconnected after a failure, with short timeouts so a hung Redis cannot hold up the
 * heartbeat).
 */
export class HealthProbe {
  private readonly clients = new Map<string, ConnectedRedis>();

  async instanceHealth(instance: InstanceConfig, copies: readonly LocalCopy[]): Promise<InstanceHealthReport> {
    const newest = newestPerTier(copies.filter((c) => c.manifest.instance === instance.name));
    try {
      let client = this.clients.get(instance.name);
      if (!client) {
        client = await connectRedis(instance, { connectTimeoutMs: 2000, commandTimeoutMs: 2000 });
        this.clients.set(instance.name, client);
      }
      const info = parseInfo((await client.call('INFO')) as string);
      const keyspace = parseKeyspace(info);
      return {
        name: instance.name,
        up: true,
        loading: info.loading === '1',
        loadingSeconds: info.loading === '1' ? Math.max(0, Math.floor(Date.now() / 1000 - (infoNumber(info, 'loading_start_time') ?? Date.now() / 1000))) : 0,
        role: info.role ?? '',
        dbsize: Object.values(keyspace).reduce((n, db) => n + db.keys, 0),
        usedMemory: infoNumber(info, 'used_memory') ?? 0,
        rdbLastBgsaveStatus: info.rdb_last_bgsave_status ?? '',
        rdbLastSaveTime: infoNumber(info, 'rdb_last_save_time') ?? 0,
        aofEnabled: info.aof_enabled === '1',
        aofLastWriteStatus: info.aof_last_write_status ?? '',
        aofLastBgrewriteStatus: info.aof_last_bgrewrite_status ?? '',
        newest,
        error: '',
      };
    } catch (err) {
      const client = this.clients.get(instance.name);
      this.clients.delete(instance.name);
      void client?.close();
      return { name: instance.name, up: false, newest, error: (err as Error).message.split('\n')[0]! };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.clients.values()].map((c) => c.close()));
    this.clients.clear();
  }
}

function newestPerTier(copies: readonly LocalCopy[]): Array<{ tier: string; copyId: string; createdAt: string }> {
  const best = new Map<string, LocalCopy>();
  for (const c of copies) {
    if (c.state !== 'ok') continue;
    const current = best.get(c.manifest.tier);
    if (!current || c.manifest.createdAt > current.manifest.createdAt) best.set(c.manifest.tier, c);
  }
  return [...best.values()].map((c) => ({ tier: c.manifest.tier, copyId: c.manifest.id, createdAt: c.manifest.createdAt }));
}

/** Free and total bytes of the file system holding the backup directory. */
export async function diskSpace(path: string): Promise<{ free: number; total: number }> {
  try {
    const s = await statfs(path);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return { free: 0, total: 0 };
  }
}
