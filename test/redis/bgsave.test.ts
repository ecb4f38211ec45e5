import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedbackError } from '../../shared/errors/index.js';
import { runBgsave } from '../../agent/redis/bgsave.js';
import { connectRedis, type ConnectedRedis } from '../../agent/redis/redis-client.js';
import { fillRandom } from '../helpers/fill-redis.js';
import { TestRedisServer, waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** BGSAVE as DESIGN.md describes it, against a real server made slow with rdb-key-save-delay. */
describe('runBgsave: the three replies, completion and timeout', () => {
  const tmp = makeTempDir();
  let server: TestRedisServer;
  let redis: ConnectedRedis;
  const options = { instance: 'main', timeoutMs: 30_000, pollIntervalMs: 50 };

  beforeAll(async () => {
    server = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
    await fillRandom(server.client(), 200, 1024);
    redis = await connectRedis({ name: 'main', url: server.url });
  });

  afterAll(async () => {
    await redis.close();
    await server.stop();
    tmp.cleanup();
  });

  const slow = (micros: number) => server.client().config('SET', 'rdb-key-save-delay', String(micros));
  const idle = () => waitFor(async () => /rdb_bgsave_in_progress:0/.test((await server.client().info('persistence')) as string) && /aof_rewrite_in_progress:0/.test((await server.client().info('persistence')) as string), 30_000);

  it('started: waits for the save and returns a newer save time', async () => {
    const before = Number(await server.client().lastsave());
    const result = await runBgsave(redis, options);
    expect(result.reply).toBe('started');
    expect(result.lastSaveTime).toBeGreaterThanOrEqual(before);
    const info = (await server.client().info('persistence')) as string;
    expect(info).toMatch(/rdb_last_bgsave_status:ok/);
  });

  it('already in progress: waits for the running save instead of failing', async () => {
    await slow(2000); // 200 keys × 2 ms ≈ 0.4 s
    await server.client().bgsave();
    const result = await runBgsave(redis, options);
    expect(result.reply).toBe('already-in-progress');
    expect(result.durationMs).toBeGreaterThan(50);
    await slow(0);
  });

  it('another child active (AOF rewrite): schedules the save and waits for it', async () => {
    await idle();
    await slow(2000);
    await server.client().bgrewriteaof();
    const result = await runBgsave(redis, options);
    expect(result.reply).toBe('scheduled');
    await slow(0);
    await idle();
  });

  it('a save slower than the timeout fails with BGSAVE_TIMEOUT and a hint', async () => {
    await idle();
    await slow(20_000); // ≈ 4 s
    const err = await runBgsave(redis, { ...options, timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedbackError);
    expect((err as RedbackError).code).toBe('BGSAVE_TIMEOUT');
    expect((err as RedbackError).hint).toMatch(/bgsaveTimeout/);
    await slow(0);
    await idle();
  });
});
