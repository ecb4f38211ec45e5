import { cpSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkAofDir } from '../../agent/aof/aof-snapshot.js';
import { checkAof } from '../../agent/aof/check-aof.js';
import { connectRedis, type ConnectedRedis, type RedisCommander } from '../../agent/redis/redis-client.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { TmpfsMount } from '../helpers/tmpfs.js';
import { waitRewriteDone } from './aof-fixture.js';

describe('linkAofDir: a consistent snapshot of a live multi-part AOF', () => {
  const tmp = makeTempDir();
  let redis: TestRedisServer;
  let conn: ConnectedRedis;
  const aofDir = () => join(redis.dir, 'appendonlydir');

  beforeAll(async () => {
    redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis'), appendonly: true, appendfsync: 'always', extraConfig: ['auto-aof-rewrite-percentage 77'] });
    const client = redis.client();
    for (let i = 0; i < 50; i++) await client.set(`k:${i}`, `v${i}`);
    await client.bgrewriteaof();
    await waitRewriteDone(client);
    for (let i = 50; i < 80; i++) await client.set(`k:${i}`, `v${i}`);
    conn = await connectRedis({ name: 'aof', url: redis.url });
  });

  afterAll(async () => {
    await conn?.close();
    await redis?.stop();
    tmp.cleanup();
  });

  /** Records the commands sent, to check the order of CONFIG SET and the restore. */
  function recording(): { commander: RedisCommander; calls: string[] } {
    const calls: string[] = [];
    return {
      calls,
      commander: {
        call: (command, ...args) => {
          calls.push([command, ...args].join(' '));
          return conn.call(command, ...args);
        },
      },
    };
  }

  it('hard-links manifest, base and incr files, and restores auto-aof-rewrite-percentage', async () => {
    const target = join(tmp.path, 'snap-1');
    const { commander, calls } = recording();
    const result = await linkAofDir(commander, aofDir(), target);
    expect(result.files.map((f) => f.role).sort()).toEqual(['base', 'incr', 'manifest']);
    for (const f of result.files) {
      expect(f.method).toBe('link');
      expect(statSync(f.path).ino).toBe(statSync(f.source).ino);
      expect(f.size).toBeGreaterThan(f.role === 'incr' ? -1 : 0);
    }
    expect(result.bytes).toBe(result.files.reduce((s, f) => s + f.size, 0));
    expect(readFileSync(result.manifestPath, 'utf8')).toBe(readFileSync(join(aofDir(), 'appendonly.aof.manifest'), 'utf8'));
    const setIndex = calls.indexOf('CONFIG SET auto-aof-rewrite-percentage 0');
    const restoreIndex = calls.indexOf('CONFIG SET auto-aof-rewrite-percentage 77');
    expect(setIndex).toBeGreaterThanOrEqual(0);
    expect(restoreIndex).toBeGreaterThan(setIndex);
    expect(calls[calls.length - 1]).toBe('CONFIG SET auto-aof-rewrite-percentage 77');
    expect(await conn.call('CONFIG', 'GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '77']);
    // the snapshot is a valid AOF that loads every key
    expect((await checkAof(result.manifestPath)).status).toBe('ok');
    const loadDir = join(tmp.path, 'load-1');
    mkdirSync(loadDir);
    cpSync(target, join(loadDir, 'appendonlydir'), { recursive: true });
    const copy = await TestRedisServer.start({ dir: loadDir, appendonly: true });
    try {
      expect(await copy.client().dbsize()).toBe(80);
    } finally {
      await copy.stop();
    }
  });

  it('waits for a running rewrite and links the files of the new manifest', async () => {
    const client = redis.client();
    await client.config('SET', 'rdb-key-save-delay', '20000'); // 20 ms per key: the rewrite takes ~1.6 s
    const before = readFileSync(join(aofDir(), 'appendonly.aof.manifest'), 'utf8');
    await client.bgrewriteaof();
    const target = join(tmp.path, 'snap-2');
    const started = Date.now();
    const result = await linkAofDir(conn, aofDir(), target, { pollIntervalMs: 50 });
    expect(Date.now() - started).toBeGreaterThan(500);
    await client.config('SET', 'rdb-key-save-delay', '0');
    const linkedManifest = readFileSync(result.manifestPath, 'utf8');
    expect(linkedManifest).not.toBe(before);
    expect(linkedManifest).toBe(readFileSync(join(aofDir(), 'appendonly.aof.manifest'), 'utf8'));
    expect(result.manifest.base!.seq).toBeGreaterThan(Number(/seq (\d+) type b/.exec(before)![1]));
    const info = (await client.info('persistence')) as string;
    expect(info).toMatch(/aof_rewrite_in_progress:0/);
    expect(info).toMatch(/aof_last_bgrewrite_status:ok/);
    expect((await checkAof(result.manifestPath)).status).toBe('ok');
  });

  it('copies instead of linking across file systems (EXDEV)', async () => {
    const mount = TmpfsMount.mount(join(tmp.path, 'tmpfs'), 16 * 1024 * 1024);
    try {
      const result = await linkAofDir(conn, aofDir(), join(mount.path, 'snap'));
      expect(result.files.every((f) => f.method === 'copy')).toBe(true);
      for (const f of result.files) expect(statSync(f.path).size).toBe(f.size);
      expect((await checkAof(result.manifestPath)).status).toBe('ok');
      expect(await conn.call('CONFIG', 'GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '77']);
    } finally {
      mount.unmount();
    }
  });

  it('restores the setting even when linking fails', async () => {
    const target = join(tmp.path, 'snap-1'); // already holds the files of the first test: EEXIST
    await expect(linkAofDir(conn, aofDir(), target)).rejects.toMatchObject({ code: expect.stringMatching(/STORAGE_ERROR|STORAGE_READONLY/) });
    expect(await conn.call('CONFIG', 'GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '77']);
  });

  it('refuses when appendonly is off, without touching the config', async () => {
    const plain = await TestRedisServer.start({ dir: join(tmp.path, 'plain'), appendonly: false });
    const c = await connectRedis({ name: 'plain', url: plain.url });
    try {
      await expect(linkAofDir(c, join(plain.dir, 'appendonlydir'), join(tmp.path, 'snap-plain'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await c.call('CONFIG', 'GET', 'auto-aof-rewrite-percentage')).toEqual(['auto-aof-rewrite-percentage', '100']);
    } finally {
      await c.close();
      await plain.stop();
    }
  });
});
