import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TIERS } from '../../shared/manifest/copy-manifest.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, confAppendonly, configGet, keyCount, type Dataset } from '../recovery/drill-fixture.js';
import { offsiteDrill } from './offsite-fixture.js';

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
 * S11 on the host, with the agent alone: the AOF directory, dump.rdb and every local copy are
 * gone; one `redback agent recover --yes` brings every key back from the newest offsite set, with
 * the AOF on afterwards and redis.conf saying so.
 */
describe('S11 drill: AOF, dump.rdb and every local copy lost → restore-offsite', () => {
  const tmp = makeTempDir('redback-drill-s11-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  async function s11(name: string, offsite: Record<string, unknown>, withConfig = false): Promise<void> {
    const redisDir = join(tmp.path, name, 'redis');
    const aclPath = join(redisDir, 'users.acl');
    mkdirSync(redisDir, { recursive: true });
    const acl = 'user default on nopass ~* &* +@all\nuser reader on >secret ~* +@read\n';
    writeFileSync(aclPath, acl);
    const drill = await offsiteDrill(join(tmp.path, name), offsite, { extraConfig: ['enable-debug-command yes', `aclfile ${aclPath}`] });
    cleanups.push(() => drill.cleanup());
    await drill.fill(name);
    const up = await drill.cli(['upload', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const setId = JSON.parse(up.stdout).setId as string;
    const expected: Dataset = await captureDataset(drill.port);
    const expectedDigest = await digest(drill.port);
    const c = drill.client(9);
    await c.set(`${name}:after-the-upload`, 'lost');
    c.disconnect();

    // redis.conf and the ACL file change after the upload
    appendFileSync(drill.confPath, '# changed-after-the-upload\n');
    writeFileSync(aclPath, acl + 'user intruder on >x ~* +@all\n');

    // the disaster: the process dies, then its AOF directory, dump.rdb and every local copy are gone
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true, force: true });
    rmSync(drill.rdbFile, { force: true });
    for (const tier of TIERS) rmSync(join(drill.backupDir, drill.name, tier), { recursive: true, force: true });
    expect(existsSync(drill.rdbFile)).toBe(false);

    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Scenario:\s+aof-and-rdb-lost \(S11\)/);
    expect(dry.stdout).toMatch(/Runbook:\s+restore-offsite/);
    expect(dry.stdout).toMatch(new RegExp(`Source:\\s+offsite set ${setId} \\(created \\S+, [\\d.]+ \\w+ stored`));
    expect(dry.stdout).toMatch(/offsite\s+1 complete set; newest/);
    expect(dry.stdout).toMatch(/\d+\. fetch-and-verify: /);

    const run = await drill.cli(['recover', '--yes', ...(withConfig ? ['--with-config'] : [])], 120_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Report: run \S+-restore-offsite-\S+ SUCCEEDED/);
    const now = await captureDataset(drill.port);
    expect(keyCount(now)).toBe(keyCount(expected));
    expect(now).toEqual(expected);
    expect(await digest(drill.port)).toBe(expectedDigest);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    expect(confAppendonly(drill.confPath)).toBe('yes');
    expect(existsSync(join(drill.aofDir, 'appendonly.aof.manifest'))).toBe(true);
    const conf = readFileSync(drill.confPath, 'utf8');
    if (withConfig) {
      // the set's redis.conf and ACL file are back; the changed ones were moved aside, not overwritten
      expect(conf).not.toContain('changed-after-the-upload');
      expect(conf).toMatch(new RegExp(`^port ${drill.port}$`, 'm'));
      expect(readFileSync(aclPath, 'utf8')).not.toContain('intruder');
      const folder = /moved aside\s+(\S+)\/ \(nothing deleted\)/.exec(run.stdout)![1]!;
      expect(readFileSync(join(folder, 'redis.conf'), 'utf8')).toContain('changed-after-the-upload');
      expect(readFileSync(join(folder, 'users.acl'), 'utf8')).toContain('intruder');
    } else {
      // without --with-config both stay as they are
      expect(conf).toContain('changed-after-the-upload');
      expect(readFileSync(aclPath, 'utf8')).toContain('intruder');
    }
  }

  it('from a plain (zstd) set on a local directory target', async () => {
    await s11('plain', {});
  }, 240_000);

  it('from an encrypted set, with --with-config putting back redis.conf and the ACL file', async () => {
    process.env.S11_KEY = 'ab'.repeat(32);
    try {
      await s11('enc', { encryption: { keyEnv: 'S11_KEY' } }, true);
    } finally {
      delete process.env.S11_KEY;
    }
  }, 240_000);
});
