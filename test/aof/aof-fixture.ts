import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { TestRedisServer, waitFor } from '../helpers/redis-server.js';

export async function waitRewriteDone(client: Redis): Promise<void> {
  await waitFor(async () => {
    const info = (await client.info('persistence')) as string;
    return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info);
  }, 20_000);
}

/**
 * Builds a real Redis 7 multi-part AOF in `<dir>/appendonlydir`: `base` keys go into an RDB
 * base (BGREWRITEAOF), then `incr1` keys into an incr file; then a rewrite is started that cannot
 * finish (rdb-key-save-delay), `incr2` keys go into the NEW incr file it opened, and the server
 * is stopped, which kills the rewrite child: the manifest then lists base + 2 incr files, exactly
 * what a failed rewrite leaves behind. Returns the key names written, in order.
 */
export async function buildMultiPartAof(dir: string, counts = { base: 20, incr1: 20, incr2: 10 }): Promise<{ keys: string[]; manifestPath: string }> {
  const redis = await TestRedisServer.start({ dir, appendonly: true, appendfsync: 'always' });
  const keys: string[] = [];
  try {
    const client = redis.client();
    const write = async (prefix: string, n: number): Promise<void> => {
      for (let i = 0; i < n; i++) {
        const key = `${prefix}:${i}`;
        await client.set(key, `value-${prefix}-${i}`);
        keys.push(key);
      }
    };
    await write('base', counts.base);
    await client.bgrewriteaof();
    await waitRewriteDone(client);
    await write('incr1', counts.incr1);
    await client.config('SET', 'rdb-key-save-delay', '1000000'); // 1 s per key: this rewrite never ends
    await client.bgrewriteaof();
    await waitFor(async () => /aof_rewrite_in_progress:1/.test((await client.info('persistence')) as string), 10_000);
    await write('incr2', counts.incr2);
  } finally {
    await redis.stop();
  }
  const manifestPath = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
  const manifest = readFileSync(manifestPath, 'utf8');
  if ((manifest.match(/type i/g) ?? []).length !== 2) throw new Error(`fixture: expected 2 incr files, manifest is:\n${manifest}`);
  return { keys, manifestPath };
}

/** A fresh copy of a fixture's appendonlydir under `dest`; returns the manifest path in it. */
export function copyAofDir(fixtureDir: string, dest: string): string {
  cpSync(join(fixtureDir, 'appendonlydir'), join(dest, 'appendonlydir'), { recursive: true });
  return join(dest, 'appendonlydir', 'appendonly.aof.manifest');
}
