/** `redback inspect FILE [--json]`, run as the real CLI on files a real redis-server wrote. */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../helpers/cli.js';
import { makeRdbFixture } from '../helpers/rdb-fixtures.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const ASSETS = join(import.meta.dirname, 'assets');
const temp = makeTempDir('redback-inspect-');
let dump: string;

beforeAll(async () => {
  const fixture = await makeRdbFixture({
    fill: async (redis) => {
      const p = redis.pipeline();
      for (let i = 0; i < 50; i++) p.set(`k:${i}`, String(i));
      for (let i = 0; i < 7; i++) p.set(`t:${i}`, 'v', 'EX', 3600);
      p.hset('h', 'f', 'v');
      p.select(3);
      p.rpush('l', 'a', 'b');
      p.zadd('z', 1, 'm');
      await p.exec();
      await redis.select(3);
      await redis.set('x', '1', 'PX', 100_000);
      await redis.call('FUNCTION', 'LOAD', "#!lua name=lib\nredis.register_function('f', function() return 1 end)");
    },
  });
  dump = join(temp.path, 'dump.rdb');
  writeFileSync(dump, fixture.bytes);
}, 60_000);
afterAll(() => temp.cleanup());

describe('redback inspect', () => {
  it('prints version, redis-ver, creation time, used memory, keys and expires per database, checksum', async () => {
    const { code, stdout, stderr } = await runCli(['inspect', dump]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/rdb version 10 \(Redis 7\.0 and later\)/);
    expect(stdout).toMatch(/redis-ver\s+7\.0\.15/);
    expect(stdout).toMatch(/created\s+20\d\d-\d\d-\d\dT/);
    expect(stdout).toMatch(/used-mem\s+[\d.]+ [KM]iB/);
    expect(stdout).toMatch(/checksum\s+ok \(crc64 [0-9a-f]{16}\)/);
    expect(stdout).toMatch(/keys\s+61/);
    expect(stdout).toMatch(/functions\s+1 library/);
    expect(stdout).toMatch(/^\s+0\s+58\s+7\s+0\s+0\s*$/m);
    expect(stdout).toMatch(/^\s+3\s+3\s+1\s+0\s+0\s*$/m);
    expect(stdout).not.toMatch(/\x1b\[/); // no escape codes into a pipe
  });

  it('--json gives the same as objects', async () => {
    const { code, json } = await runCliJson(['inspect', dump, '--json']);
    expect(code).toBe(0);
    expect(json).toMatchObject({
      path: dump,
      rdbVersion: 10,
      redisVersion: '7.0.15',
      totalKeys: 61,
      functions: 1,
      databases: { 0: { keys: 58, expires: 7, emptyKeys: 0 }, 3: { keys: 3, expires: 1 } },
      checksum: { status: 'ok' },
    });
    expect(typeof json.usedMem).toBe('number');
    expect(new Date(json.createdAt).getTime()).toBeGreaterThan(Date.parse('2024-01-01'));
  });

  it('files redback cannot read exit 8 saying why, never "corrupt, run redis-check-rdb"', async () => {
    const bytes = readFileSync(dump);
    const newer = Buffer.from(bytes);
    newer.write('0013', 5, 'latin1');
    writeFileSync(join(temp.path, 'newer.rdb'), newer);
    const valkey = Buffer.concat([Buffer.from('VALKEY080'), bytes.subarray(9)]);
    writeFileSync(join(temp.path, 'valkey.rdb'), valkey);
    copyFileSync(join(ASSETS, 'encodings.rdb'), join(temp.path, 'old.rdb'));
    const cases: Array<[string, RegExp]> = [
      ['newer.rdb', /rdb version 13 is newer than redback reads/],
      ['valkey.rdb', /is a Valkey RDB \(magic VALKEY080\)/],
      ['old.rdb', /rdb version 4 is too old/],
    ];
    for (const [name, pattern] of cases) {
      const path = join(temp.path, name);
      const { code, stdout, stderr } = await runCli(['inspect', path]);
      expect(code, name).toBe(8);
      expect(stdout).toBe('');
      expect(stderr).toMatch(new RegExp(`^redback: ${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `));
      expect(stderr).toMatch(pattern);
      expect(stderr).toMatch(/\nHINT: /);
      expect(stderr).not.toMatch(/corrupt|redis-check-rdb/);
      const json = await runCli(['inspect', path, '--json']);
      expect(json.code).toBe(8);
      expect(JSON.parse(json.stderr).error.code).toBe('RDB_UNSUPPORTED');
    }
  });

  it('damaged files exit 8 naming the damage; a missing file exits 4', async () => {
    const bytes = readFileSync(dump);
    writeFileSync(join(temp.path, 'short.rdb'), bytes.subarray(0, bytes.length - 20));
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(bytes.length / 2)]! ^= 0x01;
    writeFileSync(join(temp.path, 'flipped.rdb'), flipped);
    writeFileSync(join(temp.path, 'aof.rdb'), '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n');
    const short = await runCli(['inspect', join(temp.path, 'short.rdb')]);
    expect(short.code).toBe(8);
    expect(short.stderr).toMatch(/rdb file is truncated/);
    const flip = await runCli(['inspect', join(temp.path, 'flipped.rdb')]);
    expect(flip.code).toBe(8);
    // a flipped bit in a length field reads as a truncated file; elsewhere as a bad checksum or a bad record
    expect(flip.stderr).toMatch(/checksum mismatch|corrupt|truncated/);
    const aof = await runCli(['inspect', join(temp.path, 'aof.rdb')]);
    expect(aof.code).toBe(8);
    expect(aof.stderr).toMatch(/not an rdb file/);
    const missing = await runCli(['inspect', join(temp.path, 'nope.rdb')]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it('--help shows examples', async () => {
    const { code, stdout } = await runCli(['inspect', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Examples:\n\s+\$ redback inspect/);
  });
});
