import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../helpers/cli.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { fillAllTypes, fillRandom } from '../helpers/fill-redis.js';
import { freePort } from '../helpers/ports.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { TmpfsMount } from '../helpers/tmpfs.js';

/** Every error is one line plus a HINT line, never a stack trace. */
function expectOneLineError(stderr: string, pattern: RegExp): void {
  const lines = stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^redback: /);
  expect(lines[0]).toMatch(pattern);
  expect(stderr).toMatch(/\nHINT: /);
  expect(stderr).not.toMatch(/    at /);
}

describe('snapshot errors: a clear error, a documented exit code, no copy lost', () => {
  const tmp = makeTempDir();
  let redis: TestRedisServer;
  const mounts: TmpfsMount[] = [];

  beforeAll(async () => {
    redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
    await fillAllTypes(redis.client(), { perType: 10 });
  });

  afterEach(() => {
    while (mounts.length) mounts.pop()!.unmount();
  });

  afterAll(async () => {
    await redis.stop();
    tmp.cleanup();
  });

  function config(name: string, instance: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
    return writeAgentConfig(tmp.path, { backupDir: join(tmp.path, `backups-${name}`), instances: [{ name: 'main', ...instance }], ...extra }, `${name}.yaml`);
  }

  async function goodCopy(cfg: string): Promise<{ id: string; sha256: string; path: string }> {
    const { code, json, stderr } = await runCliJson(['agent', 'snapshot', '--config', cfg, '--instance', 'main', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    return json;
  }

  it('unreachable redis: exit 5 with a hint', async () => {
    const cfg = config('unreachable', { url: `redis://127.0.0.1:${await freePort()}` });
    const r = await runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'main']);
    expect(r.code).toBe(5);
    expectOneLineError(r.stderr, /cannot reach redis main/);
  });

  it('wrong password: exit 5, and the password is not printed', async () => {
    const secured = await TestRedisServer.start({ dir: join(tmp.path, 'redis-pw'), password: 'right-secret' });
    try {
      const cfg = config('wrongpw', { url: `redis://:wrong-secret@127.0.0.1:${secured.port}` });
      const r = await runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'main']);
      expect(r.code).toBe(5);
      expectOneLineError(r.stderr, /refused authentication/);
      expect(r.stderr).not.toContain('wrong-secret');
      // The right password works (a password in the URL is honoured).
      const ok = config('rightpw', { url: `redis://:right-secret@127.0.0.1:${secured.port}` });
      await goodCopy(ok);
    } finally {
      await secured.stop();
    }
  });

  it('unknown instance: exit 4 naming the configured ones', async () => {
    const cfg = config('unknown', { url: redis.url });
    const r = await runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'nope']);
    expect(r.code).toBe(4);
    expectOneLineError(r.stderr, /unknown instance "nope"/);
    expect(r.stderr).toContain('main');
  });

  it('BGSAVE failure (rdb_last_bgsave_status:err): exit 6, older copies untouched', async () => {
    // Redis's own data directory is a small file system: the next BGSAVE cannot fit and fails.
    const redisDir = join(tmp.path, 'redis-bgfail');
    mounts.push(TmpfsMount.mount(redisDir, 2 * 1024 * 1024));
    const other = await TestRedisServer.start({ dir: redisDir });
    try {
      await other.client().set('k', 'v');
      const cfg = config('bgfail', { url: other.url });
      const first = await goodCopy(cfg);
      await fillRandom(other.client(), 400, 8 * 1024); // ~3.2 MB of random values
      const r = await runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'main']);
      expect(r.code).toBe(6);
      expectOneLineError(r.stderr, /bgsave on main failed: rdb_last_bgsave_status:err/);
      expect(r.stderr).toMatch(/stop-writes-on-bgsave-error/);
      const verify = await runCliJson(['agent', 'verify', '--config', cfg, '--json']);
      expect(verify.code).toBe(0);
      expect(verify.json.results.map((x: { id: string }) => x.id)).toEqual([first.id]);
    } finally {
      await other.stop();
    }
  });

  it('full backup directory: exit 7, no partial file left, older copy intact', async () => {
    const small = await TestRedisServer.start({ dir: join(tmp.path, 'redis-small') });
    try {
      await small.client().set('k', 'v');
      const backupDir = join(tmp.path, 'backups-full');
      mounts.push(TmpfsMount.mount(backupDir, 1024 * 1024));
      const cfg = writeAgentConfig(tmp.path, { backupDir, instances: [{ name: 'main', url: small.url }] }, 'full.yaml');
      const first = await goodCopy(cfg);
      await fillRandom(small.client(), 300, 8 * 1024); // ~2.4 MB, more than the 1 MiB file system
      const r = await runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'main']);
      expect(r.code).toBe(7);
      expectOneLineError(r.stderr, /no space left on device/);
      const tierFiles = readdirSync(join(backupDir, 'main', 'manual'));
      expect(tierFiles.filter((f) => f.startsWith('.tmp-'))).toEqual([]);
      const verify = await runCliJson(['agent', 'verify', '--config', cfg, '--json']);
      expect(verify.code).toBe(0);
      expect(verify.json.results.map((x: { id: string }) => x.id)).toEqual([first.id]);
    } finally {
      await small.stop();
    }
  });

  it('read-only backup directory: exit 7 with a hint, existing copy still verifies', async () => {
    const backupDir = join(tmp.path, 'backups-ro');
    const mount = TmpfsMount.mount(backupDir, 64 * 1024 * 1024);
    mounts.push(mount);
    const cfg = writeAgentConfig(tmp.path, { backupDir, instances: [{ name: 'main', url: redis.url }] }, 'ro.yaml');
    const first = await goodCopy(cfg);
    mount.readOnly();
    const r = await runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'main']);
    expect(r.code).toBe(7);
    expectOneLineError(r.stderr, /read-only/);
    const verify = await runCliJson(['agent', 'verify', '--config', cfg, '--json', '--no-quarantine']);
    expect(verify.code).toBe(0);
    expect(verify.json.results.map((x: { id: string }) => x.id)).toEqual([first.id]);
  });

  describe('a bad dump.rdb (mode existing)', () => {
    let other: TestRedisServer;
    let cfg: string;
    let first: { id: string };
    let dump: string;
    let pristine: Buffer;

    beforeAll(async () => {
      other = await TestRedisServer.start({ dir: join(tmp.path, 'redis-bad') });
      await fillAllTypes(other.client(), { perType: 10 });
      cfg = config('baddump', { url: other.url });
      first = await goodCopy(cfg);
      dump = join(other.dir, 'dump.rdb');
      pristine = readFileSync(dump);
    });

    afterAll(async () => {
      await other.stop();
    });

    async function snapshotExisting(): Promise<{ code: number; stderr: string }> {
      return runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'main', '--mode', 'existing']);
    }

    async function expectOnlyFirstCopy(): Promise<void> {
      const { json } = await runCliJson(['agent', 'list', '--config', cfg, '--json']);
      expect(json.copies.map((c: { id: string }) => c.id)).toEqual([first.id]);
      const verify = await runCli(['agent', 'verify', '--config', cfg, '--no-quarantine']);
      expect(verify.code).toBe(0);
    }

    it('corrupt RDB: exit 8, the bad copy is quarantined, the older copy is untouched', async () => {
      const bytes = Buffer.from(pristine);
      bytes[Math.floor(bytes.length / 2)] ^= 0x55;
      writeFileSync(dump, bytes);
      const r = await snapshotExisting();
      expect(r.code).toBe(8);
      expectOneLineError(r.stderr, /corrupt/);
      const quarantine = join(tmp.path, 'backups-baddump', 'main', 'quarantine');
      expect(existsSync(quarantine)).toBe(true);
      expect(readdirSync(quarantine).length).toBeGreaterThan(0);
      await expectOnlyFirstCopy();
    });

    it('truncated RDB: exit 8 saying truncated', async () => {
      writeFileSync(dump, pristine.subarray(0, Math.floor(pristine.length * 0.6)));
      const r = await snapshotExisting();
      expect(r.code).toBe(8);
      expectOneLineError(r.stderr, /truncated/);
      await expectOnlyFirstCopy();
    });

    it('a format redback does not read (rdb version 13, a Valkey file): exit 8 saying exactly that, never "corrupt, run redis-check-rdb"', async () => {
      const quarantine = join(tmp.path, 'backups-baddump', 'main', 'quarantine');
      const quarantined = existsSync(quarantine) ? readdirSync(quarantine).length : 0;
      const newer = Buffer.from(pristine);
      newer.write('0013', 5, 'latin1');
      const valkey = Buffer.concat([Buffer.from('VALKEY080'), pristine.subarray(9)]);
      for (const [bytes, pattern] of [
        [newer, /rdb version 13 is newer than redback reads/],
        [valkey, /is a Valkey RDB \(magic VALKEY080\)/],
      ] as const) {
        writeFileSync(dump, bytes);
        const r = await snapshotExisting();
        expect(r.code, r.stderr).toBe(8);
        expectOneLineError(r.stderr, pattern);
        expect(r.stderr).toContain(dump);
        expect(r.stderr).not.toMatch(/corrupt|redis-check-rdb/);
        await expectOnlyFirstCopy();
      }
      expect(existsSync(quarantine) ? readdirSync(quarantine).length : 0).toBe(quarantined);
      expect(readdirSync(join(tmp.path, 'backups-baddump', 'main', 'manual')).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    });

    it('RDB written with rdbchecksum no: exit 8 with a hint to turn checksums on', async () => {
      // rdbchecksum cannot be changed at run time: a second server writes the unchecksummed file.
      const unchecked = await TestRedisServer.start({ dir: join(tmp.path, 'redis-nochecksum'), extraConfig: ['rdbchecksum no'] });
      try {
        await fillAllTypes(unchecked.client(), { perType: 5 });
        await unchecked.client().call('SAVE');
        writeFileSync(dump, readFileSync(join(unchecked.dir, 'dump.rdb')));
      } finally {
        await unchecked.stop();
      }
      const r = await snapshotExisting();
      expect(r.code).toBe(8);
      expectOneLineError(r.stderr, /rdbchecksum no/);
      expect(r.stderr).toMatch(/rdbchecksum yes/);
      await expectOnlyFirstCopy();
    });
  });

  it('mode existing with a dump.rdb older than snapshot.maxAge: exit 6, nothing copied', async () => {
    await redis.client().call('SAVE');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(redis.dir, 'dump.rdb'), old, old);
    const cfg = config('tooold', { url: redis.url }, { snapshot: { mode: 'existing', maxAge: '15m' } });
    const r = await runCli(['agent', 'snapshot', '--config', cfg, '--instance', 'main']);
    expect(r.code).toBe(6);
    expectOneLineError(r.stderr, /older than snapshot.maxAge/);
    const list = await runCliJson(['agent', 'list', '--config', cfg, '--json']);
    expect(list.json.copies).toEqual([]);
  });

  it('invalid config: exit 3 listing every problem with its key path', async () => {
    const path = join(tmp.path, 'invalid.yaml');
    writeFileSync(
      path,
      [
        'backupDir: ""',
        'retention: { hourly: soon }',
        'instances:',
        '  - name: "bad name!"',
        '    url: http://127.0.0.1:6379',
        '  - name: other',
        '    url: ${REDBACK_TEST_UNSET_VARIABLE}',
        'surprise: 1',
      ].join('\n'),
    );
    const r = await runCli(['agent', 'list', '--config', path]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/invalid \(\d+ problems\)/);
    for (const keyPath of ['backupDir', 'retention.hourly', 'instances.0.name', 'instances.0.url', 'instances.1.url', '(root)']) {
      expect(r.stderr).toContain(`  ${keyPath}: `);
    }
    expect(r.stderr).toContain('REDBACK_TEST_UNSET_VARIABLE is not set');
  });
});
