import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { REDACT_PATHS, redactUrl } from '../../shared/log/logger.js';
import { OffsiteKeys, newSetId, parseSetId } from '../../shared/storage/offsite-keys.js';
import { keyProblem } from '../../shared/storage/storage-target.js';

const ref = { agentId: 'redis-host-01', instance: 'main' };
const zst = { compressed: true, encrypted: false };
const zstEnc = { compressed: true, encrypted: true };

describe('offsite keys: one module builds every key', () => {
  it('builds the DESIGN.md layout under the prefix', () => {
    const keys = new OffsiteKeys('/redback/prod/');
    const id = '20261204T030000Z-a1b2c3';
    const set = 'redback/prod/redis-host-01/main/sets/20261204T030000Z-a1b2c3/';
    expect(keys.root()).toBe('redback/prod/');
    expect(keys.agentPrefix('redis-host-01')).toBe('redback/prod/redis-host-01/');
    expect(keys.setsPrefix(ref)).toBe('redback/prod/redis-host-01/main/sets/');
    expect(keys.setPrefix(ref, id)).toBe(set);
    expect(keys.rdbKey(ref, id, zst)).toBe(`${set}rdb.zst`);
    expect(keys.rdbKey(ref, id, zstEnc)).toBe(`${set}rdb.zst.enc`);
    expect(keys.rdbKey(ref, id, { compressed: false, encrypted: false })).toBe(`${set}rdb`);
    expect(keys.aofKey(ref, id, 'appendonly.aof.1.base.rdb', zst)).toBe(`${set}aof/appendonly.aof.1.base.rdb.zst`);
    expect(keys.aofKey(ref, id, 'appendonly.aof.manifest', zstEnc)).toBe(`${set}aof/appendonly.aof.manifest.zst.enc`);
    expect(keys.redisConfKey(ref, id, zst)).toBe(`${set}redis.conf.zst`);
    expect(keys.aclKey(ref, id, zst)).toBe(`${set}users.acl.zst`);
    expect(keys.manifestKey(ref, id)).toBe(`${set}manifest.json`);
    expect(keys.manifestCopyKey(ref, id)).toBe(`${set}manifest.copy.json`);
    expect(keys.aofArchivePrefix(ref)).toBe('redback/prod/redis-host-01/main/aof-archive/');
    expect(new OffsiteKeys('').manifestKey(ref, id)).toBe('redis-host-01/main/sets/20261204T030000Z-a1b2c3/manifest.json');
    for (const key of [keys.rdbKey(ref, id, zstEnc), keys.aofKey(ref, id, 'appendonly.aof.2.incr.aof', zst), keys.manifestKey(ref, id)]) {
      expect(keyProblem(key)).toBeNull();
    }
  });

  it('refuses parts that would escape or confuse the layout', () => {
    const keys = new OffsiteKeys('p');
    const id = newSetId(new Date());
    expect(() => keys.setPrefix({ agentId: '../x', instance: 'main' }, id)).toThrow(/agent id/);
    expect(() => keys.setPrefix({ agentId: 'a', instance: 'ma/in' }, id)).toThrow(/instance name/);
    expect(() => keys.setPrefix(ref, 'latest')).toThrow(/set id/);
    expect(() => keys.aofKey(ref, id, '../redis.conf', zst)).toThrow(/AOF file name/);
    expect(() => keys.aofKey(ref, id, '.tmp-x', zst)).toThrow(/AOF file name/);
    expect(() => new OffsiteKeys('a//b')).toThrow(/prefix/);
    expect(() => new OffsiteKeys('a/../b')).toThrow(/prefix/);
  });

  it('set ids sort by time and carry it; invalid ones are rejected', () => {
    const a = newSetId(new Date('2026-12-04T03:00:00Z'));
    const b = newSetId(new Date('2026-12-04T03:00:01Z'));
    const c = newSetId(new Date('2027-01-01T00:00:00Z'));
    expect([c, a, b].sort()).toEqual([a, b, c]);
    expect(a).toMatch(/^20261204T030000Z-[0-9a-f]{6}$/);
    expect(parseSetId(a)?.createdAt.toISOString()).toBe('2026-12-04T03:00:00.000Z');
    expect(newSetId(new Date())).not.toBe(newSetId(new Date()));
    for (const bad of ['20261304T030000Z-abcdef', '20260230T030000Z-abcdef', '20261204T030000Z-ABCDEF', '20261204T030000Z', 'x']) {
      expect(parseSetId(bad), bad).toBeNull();
    }
  });

  it('parses keys back, and ignores what is not in the layout', () => {
    const keys = new OffsiteKeys('prod');
    const id = '20261204T030000Z-a1b2c3';
    expect(keys.parseSetKey(keys.rdbKey(ref, id, zstEnc))).toEqual({ ...ref, setId: id, name: 'rdb.zst.enc', kind: 'rdb', encoding: zstEnc });
    expect(keys.parseSetKey(keys.aofKey(ref, id, 'appendonly.aof.manifest', zst))).toMatchObject({ kind: 'aof', aofFile: 'appendonly.aof.manifest', encoding: zst });
    expect(keys.parseSetKey(keys.manifestKey(ref, id))).toMatchObject({ kind: 'manifest', setId: id });
    expect(keys.parseSetKey(keys.manifestCopyKey(ref, id))).toMatchObject({ kind: 'manifest-copy' });
    expect(keys.parseSetKey(keys.redisConfKey(ref, id, zst))).toMatchObject({ kind: 'redis-conf' });
    expect(keys.parseSetKey(keys.aclKey(ref, id, zst))).toMatchObject({ kind: 'acl' });
    expect(keys.parseSetKey(`${keys.setPrefix(ref, id)}future-object.bin`)).toMatchObject({ kind: null, name: 'future-object.bin' });
    expect(keys.parseSetKey(`other/redis-host-01/main/sets/${id}/manifest.json`)).toBeNull(); // another prefix
    expect(keys.parseSetKey(`prod/redis-host-01/main/sets/not-a-set/manifest.json`)).toBeNull();
    expect(keys.parseSetKey(`prod/redis-host-01/main/aof-archive/x`)).toBeNull();
    expect(keys.parseSetKey(`prod/redis-host-01/main/sets/${id}/`)).toBeNull();
  });
});

describe('offsite credentials never reach logs', () => {
  it('redacts secret keys, session tokens and credentials objects wherever the config is logged', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const logger = pino({ redact: { paths: REDACT_PATHS, censor: (v) => (typeof v === 'string' && v.includes('://') ? redactUrl(v) : '***') } }, sink);
    logger.info({ offsite: { bucket: 'b', secretAccessKey: 'SECRET-1', sessionToken: 'TOKEN-1' } }, 'offsite');
    logger.info({ config: { offsite: { secretAccessKey: 'SECRET-2', sessionToken: 'TOKEN-2' } } }, 'config');
    logger.info({ credentials: { accessKeyId: 'AKIA', secretAccessKey: 'SECRET-3' } }, 'sdk');
    logger.info({ secretAccessKey: 'SECRET-4', sessionToken: 'TOKEN-4' }, 'flat');
    const text = lines.join('');
    for (const secret of ['SECRET-1', 'SECRET-2', 'SECRET-3', 'SECRET-4', 'TOKEN-1', 'TOKEN-2', 'TOKEN-4']) expect(text).not.toContain(secret);
    expect(text).toContain('"bucket":"b"');
  });
});
