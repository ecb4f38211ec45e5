import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TIERS } from '../../shared/manifest/copy-manifest.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, confAppendonly, configGet } from '../recovery/drill-fixture.js';
import { AGENT_ID, offsiteDrill } from './offsite-fixture.js';

async function digest(port: number): Promise<string> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    return String(await c.call('DEBUG', 'DIGEST'));
  } finally {
    c.disconnect();
  }
}

/**
 * A set's AOF is what restore-offsite restores on an AOF-on instance: the set's RDB is a local
 * copy taken BEFORE some writes (upload reuses a copy younger than rdbMaxAge), while its AOF is
 * pinned at upload time and has them. Restoring the AOF brings the instance back to exactly the
 * pinned state; a damaged AOF object falls back to the RDB with a clear note.
 */
describe('restore-offsite uses the set\'s AOF when it is complete and clean', () => {
  const tmp = makeTempDir('redback-restore-aof-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  async function prepare(name: string) {
    const drill = await offsiteDrill(join(tmp.path, name), {}, { extraConfig: ['enable-debug-command yes'] });
    cleanups.push(() => drill.cleanup());
    await drill.fill(name);
    const snap = await drill.cli(['snapshot', '--tier', 'hourly', '--json']);
    expect(snap.code, snap.stderr).toBe(0);
    // Written after the local copy's BGSAVE, before the upload pins the AOF.
    const c = drill.client(3);
    await c.set(`${name}:after-the-rdb`, 'only in the AOF');
    await c.hset(`${name}:hash:0`, 'changed', 'after the rdb');
    c.disconnect();
    const up = await drill.cli(['upload', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const setId = JSON.parse(up.stdout).setId as string;
    const setDir = join(drill.offsiteDir, 'redback', AGENT_ID, drill.name, 'sets', setId);
    const manifest = JSON.parse(readFileSync(join(setDir, 'manifest.json'), 'utf8'));
    expect(manifest.rdbSource.kind).toBe('local-copy'); // the RDB predates the last writes
    expect(manifest.aof).not.toBeNull();
    const expected = await captureDataset(drill.port);
    const expectedDigest = await digest(drill.port);
    // the disaster: AOF directory, dump.rdb and every local copy gone
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true, force: true });
    rmSync(drill.rdbFile, { force: true });
    for (const tier of TIERS) rmSync(join(drill.backupDir, drill.name, tier), { recursive: true, force: true });
    return { drill, setDir, expected, expectedDigest };
  }

  it('writes after the RDB\'s BGSAVE but before the AOF pin come back; DEBUG DIGEST equal', async () => {
    const { drill, expected, expectedDigest } = await prepare('aof');
    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/and its AOF directory \(\d+ files, SHA-256 each, redis-check-aof\)/);
    const run = await drill.cli(['recover', '--yes'], 120_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Report: run \S+-restore-offsite-\S+ SUCCEEDED/);
    expect(run.stdout).toMatch(/staged the set's AOF directory/);
    const c = drill.client(3);
    expect(await c.get('aof:after-the-rdb')).toBe('only in the AOF');
    c.disconnect();
    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(await digest(drill.port)).toBe(expectedDigest);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    expect(confAppendonly(drill.confPath)).toBe('yes');
    expect(existsSync(join(drill.aofDir, 'appendonly.aof.manifest'))).toBe(true);
  }, 240_000);

  it.each(['move:place-aof:before-rename', 'move:place-aof:after-rename', 'step:start-aof-off:after'])('killed at %s, --resume finishes on the set\'s AOF: DEBUG DIGEST equal', async (point) => {
    const { drill, expected, expectedDigest } = await prepare(`kill-${point.replace(/[^a-z]/g, '')}`);
    const killed = await runCli(['agent', 'recover', '--yes', '--config', drill.configPath, '--instance', drill.name], { timeoutMs: 120_000, env: { REDBACK_FAILPOINT: point } });
    expect(killed.code, killed.stdout + killed.stderr).toBe(128);
    const resumed = await drill.cli(['recover', '--resume', '--yes'], 120_000);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/SUCCEEDED/);
    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(await digest(drill.port)).toBe(expectedDigest);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
  }, 240_000);

  it('killed after the set\'s AOF directory was placed, --rollback puts the live data back (every key as before the run)', async () => {
    const drill = await offsiteDrill(join(tmp.path, 'rollback'), {}, { extraConfig: ['enable-debug-command yes'] });
    cleanups.push(() => drill.cleanup());
    await drill.fill('rb');
    const up = await drill.cli(['upload', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const setId = JSON.parse(up.stdout).setId as string;
    const c = drill.client(3);
    await c.set('rb:after-the-upload', 'live only');
    c.disconnect();
    const liveDigest = await digest(drill.port);
    const killed = await runCli(['agent', 'recover', '--backup', setId, '--yes', '--config', drill.configPath, '--instance', drill.name], {
      timeoutMs: 120_000,
      env: { REDBACK_FAILPOINT: 'move:place-aof:after-rename' },
    });
    expect(killed.code, killed.stdout + killed.stderr).toBe(128);
    const back = await drill.cli(['recover', '--rollback', '--yes'], 120_000);
    expect(back.code, back.stdout + back.stderr).toBe(0);
    expect(await digest(drill.port)).toBe(liveDigest);
    const after = drill.client(3);
    expect(await after.get('rb:after-the-upload')).toBe('live only');
    after.disconnect();
  }, 240_000);

  it('a damaged AOF object in the set: the RDB is restored instead, with a note saying why', async () => {
    const { drill, setDir, expectedDigest } = await prepare('bad');
    const aofObjects = readdirSync(join(setDir, 'aof'));
    const incr = aofObjects.find((f) => f.includes('.incr.'))!;
    expect(incr).toBeDefined();
    const path = join(setDir, 'aof', incr);
    const bytes = readFileSync(path);
    bytes[bytes.length >> 1] ^= 0xff;
    writeFileSync(path, bytes);
    const run = await drill.cli(['recover', '--yes'], 120_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/the set's AOF is not usable \(.*\): restoring the RDB, the AOF is rebuilt from it/);
    const c = drill.client(3);
    expect(await c.get('bad:after-the-rdb')).toBeNull(); // only the RDB's state
    expect(await c.exists('bad:counter')).toBe(1);
    c.disconnect();
    expect(await digest(drill.port)).not.toBe(expectedDigest);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    expect(existsSync(join(drill.aofDir, 'appendonly.aof.manifest'))).toBe(true);
  }, 240_000);
});
