import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openOffsite } from '../../agent/offsite/offsite-session.js';
import { parseSetManifest, type SetManifest } from '../../shared/offsite/set-manifest.js';
import { verifySet } from '../../shared/offsite/verify-set.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { AGENT_ID, offsiteDrill } from './offsite-fixture.js';

function setDir(offsiteDir: string, setId: string): string {
  return join(offsiteDir, 'redback', AGENT_ID, 'drill', 'sets', setId);
}

function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out.push(`${rel}${e.name}`);
    }
  };
  if (existsSync(dir)) walk(dir, '');
  return out.sort();
}

describe('offsite set upload (S7) on a local directory target, through the CLI', () => {
  const tmp = makeTempDir('redback-offsite-upload-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  it('uploads RDB, AOF files, redis.conf and the ACL file, manifest last and twice; offsite-list shows it; verifySet reads it back and catches a flipped byte', async () => {
    const redisDir = join(tmp.path, 'plain', 'redis');
    mkdirSync(redisDir, { recursive: true });
    writeFileSync(join(redisDir, 'users.acl'), 'user default on nopass ~* &* +@all\n');
    const drill = await offsiteDrill(join(tmp.path, 'plain'), {}, { extraConfig: [`aclfile ${join(redisDir, 'users.acl')}`] });
    cleanups.push(() => drill.cleanup());
    await drill.fill('u');
    const c = drill.client();
    await c.call('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '77');
    c.disconnect();

    const up = await drill.cli(['upload', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const m = JSON.parse(up.stdout) as SetManifest & { plainBytes: number; storedBytes: number };
    expect(m.rdbSource.kind).toBe('bgsave');
    expect(Object.values(m.keys).reduce((a, b) => a + b, 0)).toBeGreaterThan(200);
    expect(m.aof).not.toBeNull();
    const kinds = m.objects.map((o) => o.kind);
    expect(kinds).toContain('rdb');
    expect(kinds).toContain('aof-manifest');
    expect(kinds.filter((k) => k === 'aof').length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain('config');
    expect(kinds).toContain('acl');
    expect(m.encryption).toBeNull();
    // rewrites were held off only while linking
    const c2 = drill.client();
    expect(((await c2.call('CONFIG', 'GET', 'auto-aof-rewrite-percentage')) as string[])[1]).toBe('77');
    c2.disconnect();
    // no leftovers of the AOF pin in Redis's dir
    expect(readdirSync(drill.redisDir).filter((f) => f.startsWith('.redback-offsite-'))).toEqual([]);

    const dir = setDir(drill.offsiteDir, m.setId);
    const stored = files(dir);
    expect(stored).toContain('manifest.json');
    expect(stored).toContain('manifest.copy.json');
    expect(stored).toContain('rdb.zst');
    expect(stored).toContain('redis.conf.zst');
    expect(stored).toContain('users.acl.zst');
    const onDisk = parseSetManifest(readFileSync(join(dir, 'manifest.json'), 'utf8'));
    expect(onDisk.ok).toBe(true);
    // the manifest is the last thing written
    const manifestTime = statSync(join(dir, 'manifest.json')).mtimeMs;
    for (const o of m.objects) expect(statSync(join(dir, o.key)).mtimeMs).toBeLessThanOrEqual(manifestTime);

    const list = await drill.cli(['offsite-list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout);
    expect(listed.sets.map((s: SetManifest) => s.setId)).toEqual([m.setId]);
    expect(listed.incomplete).toEqual([]);
    const human = await drill.cli(['offsite-list']);
    expect(human.stdout).toMatch(new RegExp(`drill\\s+${m.setId}`));

    const ctx = drill.ctx();
    const access = await openOffsite(ctx);
    const good = await verifySet(access.target, onDisk.ok ? onDisk.manifest : m, { prefix: 'redback', readData: true });
    expect(good.ok, JSON.stringify(good.objects)).toBe(true);

    // one flipped byte in the middle of the stored RDB
    const rdbPath = join(dir, 'rdb.zst');
    const bytes = readFileSync(rdbPath);
    bytes[Math.floor(bytes.length / 2)] = bytes[Math.floor(bytes.length / 2)]! ^ 0x01;
    writeFileSync(rdbPath, bytes);
    const sizesOnly = await verifySet(access.target, m, { prefix: 'redback', readData: false });
    expect(sizesOnly.ok).toBe(true);
    const bad = await verifySet(access.target, m, { prefix: 'redback', readData: true });
    expect(bad.ok).toBe(false);
    expect(bad.objects.find((o) => o.kind === 'rdb')!.problem).toMatch(/failed verification|cannot decode|corrupt/);
    expect(bad.objects.filter((o) => !o.ok)).toHaveLength(1);

    // a damaged manifest.json: the copy is loaded instead
    writeFileSync(join(dir, 'manifest.json'), readFileSync(join(dir, 'manifest.json'), 'utf8').replace('"instance": "drill"', '"instance": "drilX"'));
    const again = JSON.parse((await drill.cli(['offsite-list', '--json'])).stdout);
    expect(again.sets[0].setId).toBe(m.setId);
    expect(again.sets[0].loadedFrom).toBe('copy');
  }, 240_000);

  it('encrypted sets round-trip; a wrong key fails with exit 17 and a missing key before anything is written', async () => {
    const key = randomBytes(32).toString('hex');
    const drill = await offsiteDrill(join(tmp.path, 'enc'), { encryption: { keyEnv: 'TEST_OFFSITE_KEY' }, compression: { level: 1 } });
    cleanups.push(() => drill.cleanup());
    await drill.fill('e');

    const missing = await drill.cli(['upload']);
    expect(missing.code).toBe(17);
    expect(missing.stderr).toMatch(/TEST_OFFSITE_KEY is not set/);
    expect(files(drill.offsiteDir)).toEqual([]);

    process.env.TEST_OFFSITE_KEY = key;
    try {
      const up = await drill.cli(['upload', '--json']);
      expect(up.code, up.stderr).toBe(0);
      const m = JSON.parse(up.stdout) as SetManifest;
      expect(m.encryption?.algorithm).toBe('aes-256-gcm');
      expect(m.objects.every((o) => o.encrypted && o.key.endsWith('.zst.enc'))).toBe(true);
      // the stored bytes are not the plaintext: redis.conf's text is nowhere in them
      const conf = readFileSync(join(setDir(drill.offsiteDir, m.setId), 'redis.conf.zst.enc'));
      expect(conf.includes(Buffer.from('appendonly'))).toBe(false);
      const access = await openOffsite(drill.ctx());
      const ok = await verifySet(access.target, m, { prefix: 'redback', readData: true, operatorKey: Buffer.from(key, 'hex') });
      expect(ok.ok, JSON.stringify(ok.objects)).toBe(true);
      await expect(verifySet(access.target, m, { prefix: 'redback', readData: true, operatorKey: randomBytes(32) })).rejects.toMatchObject({ code: 'ENCRYPTION_KEY_WRONG' });
    } finally {
      delete process.env.TEST_OFFSITE_KEY;
    }
  }, 240_000);
});
