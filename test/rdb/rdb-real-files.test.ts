/**
 * The reader against RDB files that real Redis versions wrote (test/rdb/assets, from the Redis
 * repository's own test suite: RDB 3 to 10, written by Redis 2.x to 7.0), each also loaded into a
 * real redis-server: what the reader counts must be what Redis loads.
 */
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RedbackError } from '../../shared/errors/index.js';
import { readRdbFile } from '../../shared/rdb/rdb-reader.js';
import { keysOfSummary } from '../../shared/rdb/rdb-summary.js';
import { freePort } from '../helpers/ports.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const ASSETS = join(import.meta.dirname, 'assets');
const temp = makeTempDir('redback-rdb-real-');
afterAll(() => temp.cleanup());

/** Loads `file` into a fresh redis-server 7.0 and returns what Redis says it loaded. */
async function loadIntoRedis(file: string): Promise<{ keyspace: Record<string, number>; loaded: number; expired: number; log: string }> {
  const dir = join(temp.path, `${file}-${Date.now()}`);
  mkdirSync(dir, { recursive: true });
  copyFileSync(join(ASSETS, file), join(dir, 'dump.rdb'));
  const server = new TestRedisServer({ dir });
  server.port = await freePort();
  server.writeConfig();
  try {
    await server.startProcess();
    const redis = server.client();
    const persistence = (await redis.info('persistence')) as string;
    const keyspace: Record<string, number> = {};
    for (const m of ((await redis.info('keyspace')) as string).matchAll(/^db(\d+):keys=(\d+)/gm)) keyspace[m[1]!] = Number(m[2]);
    const num = (name: string): number => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(persistence)![1]);
    return { keyspace, loaded: num('rdb_last_load_keys_loaded'), expired: num('rdb_last_load_keys_expired'), log: readFileSync(join(dir, 'redis.log'), 'utf8') };
  } finally {
    await server.stop();
  }
}

const LOADABLE = ['list-quicklist.rdb', 'hash-ziplist.rdb', 'zset-ziplist.rdb', 'scriptbackup.rdb', 'corrupt_empty_keys.rdb'];

describe('RDB files written by real Redis versions', () => {
  for (const file of LOADABLE) {
    it(`${file}: the reader counts exactly the keys redis-server 7.0 loads`, async () => {
      const summary = await readRdbFile(join(ASSETS, file));
      expect(summary.storedChecksum === summary.computedChecksum || summary.checksumDisabled).toBe(true);
      const redis = await loadIntoRedis(file);
      const { keys } = keysOfSummary(summary);
      const nonZero = Object.fromEntries(Object.entries(keys).filter(([, n]) => n > 0));
      expect(nonZero, `${file}: keys per db`).toEqual(redis.keyspace);
      const total = Object.values(keys).reduce((a, b) => a + b, 0);
      expect(redis.loaded + redis.expired).toBe(total);
    }, 30_000);
  }

  it('corrupt_empty_keys.rdb: every key is empty, Redis skips them all, the reader counts them as emptyKeys', async () => {
    const summary = await readRdbFile(join(ASSETS, 'corrupt_empty_keys.rdb'));
    const db0 = summary.databases[0]!;
    expect(db0.keys).toBe(0);
    expect(db0.emptyKeys).toBeGreaterThanOrEqual(8); // empty set, list, zset, hash in several encodings
    expect(db0.resizeKeys).toBe(db0.emptyKeys); // the RESIZEDB hint counts them; Redis does not load them
    const redis = await loadIntoRedis('corrupt_empty_keys.rdb');
    expect(redis.loaded).toBe(0);
    expect(redis.log).toMatch(/skipping empty key/);
  }, 30_000);

  it('list-quicklist.rdb (RDB 8, quicklist of ziplists), hash-ziplist.rdb (RDB 9), zset-ziplist.rdb (RDB 10)', async () => {
    expect((await readRdbFile(join(ASSETS, 'list-quicklist.rdb'))).rdbVersion).toBe(8);
    expect((await readRdbFile(join(ASSETS, 'hash-ziplist.rdb'))).rdbVersion).toBe(9);
    expect((await readRdbFile(join(ASSETS, 'zset-ziplist.rdb'))).rdbVersion).toBe(10);
    const script = await readRdbFile(join(ASSETS, 'scriptbackup.rdb'));
    expect(script.aux['lua']).toBe("return redis.call('set', 'foo', 'bar')");
  });

  for (const [file, version] of [
    ['encodings.rdb', 4],
    ['hash-zipmap.rdb', 3],
  ] as const) {
    it(`${file} (RDB ${version}, before checksums) is RDB_UNSUPPORTED "too old", not corrupt`, async () => {
      const err = await readRdbFile(join(ASSETS, file)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedbackError);
      expect((err as RedbackError).code).toBe('RDB_UNSUPPORTED');
      expect((err as RedbackError).message).toMatch(new RegExp(`rdb version ${version} is too old`));
      expect((err as RedbackError).hint).toMatch(/Redis 7 still loads it/);
      expect((err as RedbackError).details).toMatchObject({ rdbVersion: version, path: join(ASSETS, file) });
      // And it is true: Redis 7.0 loads it.
      const redis = await loadIntoRedis(file);
      expect(redis.loaded).toBeGreaterThan(0);
    }, 30_000);
  }
});
