import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectAofTrap } from '../../agent/aof/trap.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { waitRewriteDone } from './aof-fixture.js';

/** Keys in an RDB file, by the deep check redis-check-rdb does. */
function rdbKeys(path: string): number {
  const out = execFileSync('redis-check-rdb', [path], { encoding: 'utf8' });
  return Number(/\[info\] (\d+) keys read/.exec(out)![1]);
}

describe('the AOF trap (DESIGN.md S12), reproduced on the real server', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('appendonly yes + no AOF directory: redis ignores dump.rdb, starts empty and its next save empties dump.rdb', async () => {
    const dir = join(tmp.path, 'classic');
    const writer = await TestRedisServer.start({ dir, appendonly: false });
    for (let i = 0; i < 25; i++) await writer.client().set(`key:${i}`, 'value');
    await writer.client().save();
    await writer.stop();
    const rdbFile = join(dir, 'dump.rdb');
    expect(rdbKeys(rdbFile)).toBe(25);
    expect(existsSync(join(dir, 'appendonlydir'))).toBe(false);

    // the guard sees it before the start…
    const trap = await detectAofTrap({ appendonly: true, aofDir: join(dir, 'appendonlydir'), rdbFile, hasLocalCopies: false });
    expect(trap?.reason).toBe('aof-dir-missing');
    expect(trap?.message).toMatch(/^AOF trap: appendonly is yes but the AOF directory .* does not exist; redis would start with no data and overwrite .*dump\.rdb/);
    expect(trap?.hint).toMatch(/appendonly no/);

    // …and this is why: Redis starts with nothing, and the next save overwrites dump.rdb.
    const victim = await TestRedisServer.start({ dir, appendonly: true });
    try {
      expect(await victim.client().dbsize()).toBe(0);
      expect(existsSync(join(dir, 'appendonlydir', 'appendonly.aof.manifest'))).toBe(true);
      await victim.client().save();
    } finally {
      await victim.stop();
    }
    expect(rdbKeys(rdbFile)).toBe(0);
    // once it has sprung the directory is complete again: nothing left to detect, the data is gone
    expect(await detectAofTrap({ appendonly: true, aofDir: join(dir, 'appendonlydir'), rdbFile, hasLocalCopies: true })).toBeNull();
  });

  it('manifest missing: redis starts empty AND overwrites the orphaned base file that held the data', async () => {
    const dir = join(tmp.path, 'orphan');
    const writer = await TestRedisServer.start({ dir, appendonly: true });
    for (let i = 0; i < 10; i++) await writer.client().set(`key:${i}`, 'value');
    await writer.client().bgrewriteaof();
    await waitRewriteDone(writer.client());
    await writer.stop();
    const aofDir = join(dir, 'appendonlydir');
    const manifest = join(aofDir, 'appendonly.aof.manifest');
    const baseName = /file (\S+) seq \d+ type b/.exec(readFileSync(manifest, 'utf8'))![1]!;
    renameSync(manifest, join(dir, 'manifest.aside'));
    // Rename the base to the name Redis will create on start (seq 1), as an earlier life of the
    // instance could have left it.
    renameSync(join(aofDir, baseName), join(aofDir, 'appendonly.aof.1.base.rdb'));
    expect(rdbKeys(join(aofDir, 'appendonly.aof.1.base.rdb'))).toBe(10);

    const trap = await detectAofTrap({ appendonly: true, aofDir, rdbFile: join(dir, 'dump.rdb'), hasLocalCopies: false });
    expect(trap?.reason).toBe('manifest-missing');
    expect(trap?.orphanedAofFiles).toContain('appendonly.aof.1.base.rdb');

    const victim = await TestRedisServer.start({ dir, appendonly: true });
    try {
      expect(await victim.client().dbsize()).toBe(0);
    } finally {
      await victim.stop();
    }
    expect(rdbKeys(join(aofDir, 'appendonly.aof.1.base.rdb'))).toBe(0);
  });
});

describe('detectAofTrap on layouts written by a real redis-server', () => {
  const tmp = makeTempDir();
  const template = join(tmp.path, 'template');
  let n = 0;

  /** A copy of a stopped instance with dump.rdb and a complete AOF directory. */
  function layout(): { dir: string; aofDir: string; rdbFile: string; manifest: string } {
    const dir = join(tmp.path, `case-${++n}`);
    cpSync(template, dir, { recursive: true });
    const aofDir = join(dir, 'appendonlydir');
    return { dir, aofDir, rdbFile: join(dir, 'dump.rdb'), manifest: join(aofDir, 'appendonly.aof.manifest') };
  }

  beforeAll(async () => {
    const redis = await TestRedisServer.start({ dir: template, appendonly: true });
    for (let i = 0; i < 5; i++) await redis.client().set(`k${i}`, 'v');
    await redis.client().save();
    await redis.stop();
  });

  afterAll(() => tmp.cleanup());

  it('a complete AOF is not a trap; neither is appendonly no', async () => {
    const l = layout();
    expect(statSync(l.rdbFile).size).toBeGreaterThan(0);
    expect(await detectAofTrap({ appendonly: true, aofDir: l.aofDir, rdbFile: l.rdbFile, hasLocalCopies: true })).toBeNull();
    rmSync(l.aofDir, { recursive: true });
    expect(await detectAofTrap({ appendonly: false, aofDir: l.aofDir, rdbFile: l.rdbFile, hasLocalCopies: true })).toBeNull();
  });

  it('AOF directory missing with dump.rdb, or with only local copies', async () => {
    const l = layout();
    rmSync(l.aofDir, { recursive: true });
    expect((await detectAofTrap({ appendonly: true, aofDir: l.aofDir, rdbFile: l.rdbFile, hasLocalCopies: false }))?.reason).toBe('aof-dir-missing');
    rmSync(l.rdbFile);
    expect(await detectAofTrap({ appendonly: true, aofDir: l.aofDir, rdbFile: l.rdbFile, hasLocalCopies: false })).toBeNull(); // fresh: nothing to lose
    const trap = await detectAofTrap({ appendonly: true, aofDir: l.aofDir, rdbFile: l.rdbFile, hasLocalCopies: true });
    expect(trap?.reason).toBe('aof-dir-missing');
    expect(trap?.message).toMatch(/local backup copies exist/);
    expect(trap?.rdbBytes).toBeNull();
  });

  it('an old-style appendonly.aof next to the missing directory is migrated by redis: no trap', async () => {
    const l = layout();
    rmSync(l.aofDir, { recursive: true });
    writeFileSync(join(l.dir, 'appendonly.aof'), '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n');
    expect(await detectAofTrap({ appendonly: true, aofDir: l.aofDir, rdbFile: l.rdbFile, hasLocalCopies: true })).toBeNull();
  });

  it('manifest missing, manifest empty, base missing', async () => {
    const a = layout();
    renameSync(a.manifest, join(a.dir, 'manifest.aside'));
    expect((await detectAofTrap({ appendonly: true, aofDir: a.aofDir, rdbFile: a.rdbFile, hasLocalCopies: false }))?.reason).toBe('manifest-missing');

    const b = layout();
    writeFileSync(b.manifest, '');
    expect((await detectAofTrap({ appendonly: true, aofDir: b.aofDir, rdbFile: b.rdbFile, hasLocalCopies: false }))?.reason).toBe('manifest-empty');

    const c = layout();
    const base = /file (\S+) seq \d+ type b/.exec(readFileSync(c.manifest, 'utf8'))![1]!;
    mkdirSync(join(c.dir, 'aside'));
    renameSync(join(c.aofDir, base), join(c.dir, 'aside', base));
    const trap = await detectAofTrap({ appendonly: true, aofDir: c.aofDir, rdbFile: c.rdbFile, hasLocalCopies: false });
    expect(trap?.reason).toBe('base-missing');
    expect(trap?.message).toContain(base);
  });

  it('a manifest redis would reject is not the trap (redis refuses to start, nothing is lost)', async () => {
    const l = layout();
    writeFileSync(l.manifest, 'this is not a manifest\n');
    expect(await detectAofTrap({ appendonly: true, aofDir: l.aofDir, rdbFile: l.rdbFile, hasLocalCopies: true })).toBeNull();
  });
});
