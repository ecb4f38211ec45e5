import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { ScratchRedis } from '../../agent/drill/scratch-redis.js';
import { checkKeys } from '../../agent/recovery/key-check.js';
import { availableMemory, checkScratchRoom } from '../../agent/drill/scratch-room.js';
import { RedbackError } from '../../shared/errors/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { redisServersUnder } from './process-probe.js';


describe('scratch redis-server of a drill (real redis-server)', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('a dump.rdb the server refuses to load is DRILL_FAILED with redis\'s own reason; nothing keeps running, the dir is removed', async () => {
    const scratch = await ScratchRedis.create('redis-server', tmp.path);
    expect(scratch.dir.startsWith(tmp.path)).toBe(true);
    // A valid header, then garbage: redis-server starts, reads it, and exits.
    writeFileSync(scratch.rdbFile, Buffer.concat([Buffer.from('REDIS0009'), Buffer.alloc(4096, 0xee)]));
    let error: unknown;
    try {
      await scratch.start({ timeoutMs: 30_000 });
    } catch (err) {
      error = err;
    } finally {
      await scratch.close();
    }
    expect(error).toBeInstanceOf(RedbackError);
    expect((error as RedbackError).code).toBe('DRILL_FAILED');
    expect((error as RedbackError).message).toMatch(/exited before it loaded the copy \(exit 1\): [A-Z][^:]*RDB/);
    expect((error as RedbackError).message.split('\n')).toHaveLength(1);
    expect(existsSync(scratch.dir)).toBe(false);
    expect(readdirSync(tmp.path)).toEqual([]);
    expect(redisServersUnder(tmp.path)).toEqual([]);
  }, 60_000);

  it('an empty scratch server starts on a free port of 127.0.0.1 without persistence, and close() stops it and removes its dir (twice is fine)', async () => {
    const scratch = await ScratchRedis.create('redis-server', tmp.path);
    try {
      const loaded = await scratch.start({ timeoutMs: 30_000 });
      expect(loaded.keyspace).toEqual({});
      const redis = await scratch.connect();
      try {
        expect(await redis.call('CONFIG', 'GET', 'save')).toEqual(['save', '']);
        expect(await redis.call('CONFIG', 'GET', 'appendonly')).toEqual(['appendonly', 'no']);
        expect(await redis.call('CONFIG', 'GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      } finally {
        await redis.close();
      }
      expect(redisServersUnder(scratch.dir)).toHaveLength(1);
    } finally {
      await scratch.close();
      await scratch.close();
    }
    expect(existsSync(scratch.dir)).toBe(false);
    expect(redisServersUnder(tmp.path)).toEqual([]);
  }, 60_000);

  it('a host without room for one more copy of the dataset is refused before anything is copied (exit 9)', async () => {
    await expect(checkScratchRoom(tmp.path, { bytes: 1024, usedMem: 1024 }, 'main')).resolves.toBeUndefined();
    const tooBig = (await availableMemory()) * 2;
    const err = await checkScratchRoom(tmp.path, { bytes: 1024, usedMem: tooBig }, 'main').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedbackError);
    expect((err as RedbackError).code).toBe('PREFLIGHT_FAILED');
    expect((err as RedbackError).exitCode).toBe(9);
    expect((err as RedbackError).message).toMatch(/no room for a scratch redis-server of main on this host: .* of memory available/);
    const noDisk = await checkScratchRoom(tmp.path, { bytes: 1024 ** 5 * 50, usedMem: null }, 'main').catch((e: unknown) => e);
    expect((noDisk as RedbackError).message).toMatch(/free in .*the copy needs/);
  });

  it('key counts that differ from the manifest are problems; keys with a TTL may have expired', () => {
    const expected = { keys: { '0': 10, '3': 5 }, expires: { '0': 2, '3': 0 } };
    const ok = checkKeys(expected, { rdb_last_load_keys_loaded: '14', rdb_last_load_keys_expired: '1' }, { '0': { keys: 9 }, '3': { keys: 5 } });
    expect(ok.problems).toEqual([]);
    expect(ok.found).toEqual({ '0': 9, '3': 5 });
    const bad = checkKeys(expected, { rdb_last_load_keys_loaded: '12', rdb_last_load_keys_expired: '0' }, { '0': { keys: 10 }, '3': { keys: 2 } });
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[1]).toBe('db3 has 2 keys, the manifest 5 (0 with a TTL)');
  });
});
