import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAofManifest } from '../../agent/aof/aof-manifest.js';
import { loadInstanceState } from '../../agent/state/instance-state.js';
import { BackupLayout } from '../../agent/store/layout.js';
import { isPlainFileName } from '../../shared/fs/plain-name.js';
import { manifestPlacementProblem, sealManifest, type CopyManifest } from '../../shared/manifest/copy-manifest.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A manifest whose `file` climbs out of its directory, sealed again (anyone can recompute the checksum). */
function hostile(real: CopyManifest, id: string, file: string): CopyManifest {
  const { checksum: _c, ...body } = real;
  return sealManifest({ ...body, id, file, bytes: readFileSync(victimPath).length, createdAt: '2020-01-01T00:00:00.000Z', snapshotAt: '2020-01-01T00:00:00.000Z' });
}
let victimPath = '';

describe('a manifest cannot point outside its directory (real redis-server, real CLI)', () => {
  const tmp = makeTempDir();
  let redis: TestRedisServer;
  let config: string;
  const backupDir = join(tmp.path, 'backups');

  beforeAll(async () => {
    redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
    await redis.client().set('k', 'v');
    config = writeAgentConfig(tmp.path, { backupDir, instances: [{ name: 'main', url: redis.url }], retention: { hourly: '1h', daily: '1d' } });
  });

  afterAll(async () => {
    await redis.stop();
    tmp.cleanup();
  });

  it('prune and verify (which quarantines bad copies) leave a file named by a hostile manifest untouched; list and verify report it', async () => {
    // Two real copies in hourly, so retention has something to act on.
    const first = await runCliJson(['agent', 'snapshot', '--config', config, '--instance', 'main', '--tier', 'hourly', '--json']);
    expect(first.code).toBe(0);
    victimPath = join(tmp.path, 'victim.txt');
    writeFileSync(victimPath, 'live data that is not redback\'s\n');
    const hourlyDir = join(backupDir, 'main', 'hourly');
    // x/../../../../victim.txt from <backupDir>/main/hourly resolves to <tmp>/victim.txt.
    const climb = `x/${'../'.repeat(4)}victim.txt`;
    expect(join(hourlyDir, climb)).toBe(victimPath);
    const real = JSON.parse(readFileSync(first.json.path.replace(/\.rdb$/, '.manifest.json'), 'utf8')) as CopyManifest;
    const evil = hostile(real, '20200101T000000Z-aaaaaa', climb);
    writeFileSync(join(hourlyDir, '20200101T000000Z-aaaaaa.manifest.json'), JSON.stringify(evil));
    const evilId = hostile(real, '../../../victim', climb);
    writeFileSync(join(hourlyDir, 'dots.manifest.json'), JSON.stringify(evilId));

    const list = await runCliJson(['agent', 'list', '--config', config, '--json']);
    expect(list.json.copies.map((c: { id: string }) => c.id)).toEqual([first.json.id]);
    expect(list.json.broken).toHaveLength(2);
    expect(list.json.broken.map((b: { reason: string }) => b.reason).join('\n')).toMatch(/names file .*victim\.txt.*never acted on/);

    const dryPrune = await runCliJson(['agent', 'prune', '--config', config, '--dry-run', '--json']);
    expect(dryPrune.code).toBe(0);
    expect(dryPrune.json[0].broken).toHaveLength(2);
    const prune = await runCli(['agent', 'prune', '--config', config]);
    expect(prune.code).toBe(0);
    // prune reports what it will never act on, like list and verify do.
    expect(prune.stderr).toMatch(/unreadable manifest .*20200101T000000Z-aaaaaa\.manifest\.json: manifest names file .*victim\.txt/);
    const recover = await runCli(['agent', 'recover', '--config', config, '--instance', 'main', '--dry-run']);
    expect(recover.code).toBe(0);
    expect(recover.stdout).toMatch(/local copies\s+1 valid, 2 broken/);
    const badBackup = await runCli(['agent', 'recover', '--config', config, '--instance', 'main', '--dry-run', '--backup', '20200101T000000Z-aaaaaa']);
    expect(badBackup.code).not.toBe(0);
    const verify = await runCli(['agent', 'verify', '--config', config]);
    expect(verify.code).toBe(8);
    expect(verify.stderr).toMatch(/bad manifest .*20200101T000000Z-aaaaaa\.manifest\.json/);
    expect(readFileSync(victimPath, 'utf8')).toBe('live data that is not redback\'s\n');
    // The real copy is still there and still verifies.
    expect(existsSync(first.json.path)).toBe(true);
  });

  it('placement rules: exact <id>.rdb, id pattern, instance and tier of the directory', () => {
    const m = { id: '20261124T031500Z-3fa9c1', file: '20261124T031500Z-3fa9c1.rdb', instance: 'main', tier: 'hourly' as const };
    const where = { instance: 'main', tier: 'hourly' as const, manifestFile: '20261124T031500Z-3fa9c1.manifest.json' };
    expect(manifestPlacementProblem(m, where)).toBeNull();
    expect(manifestPlacementProblem({ ...m, file: 'other.rdb' }, where)).toMatch(/names file/);
    expect(manifestPlacementProblem({ ...m, id: '..', file: '...rdb' }, where)).toMatch(/not a copy id/);
    expect(manifestPlacementProblem({ ...m, id: 'a/b', file: 'a/b.rdb' }, where)).toMatch(/not a copy id/);
    expect(manifestPlacementProblem(m, { ...where, instance: 'other' })).toMatch(/instance/);
    expect(manifestPlacementProblem(m, { ...where, tier: 'daily' })).toMatch(/tier/);
    expect(manifestPlacementProblem(m, { ...where, manifestFile: 'x.manifest.json' })).toMatch(/stored as/);
  });

  it('AOF manifest entries, saved state and config reject names that are not plain', async () => {
    for (const name of ['.', '..', '../x', 'a/b']) {
      expect(isPlainFileName(name)).toBe(false);
      expect(() => parseAofManifest(`file ${name} seq 1 type b\n`, '/d/x.manifest')).toThrow(/not a plain file name/);
    }
    expect(isPlainFileName('dump.rdb')).toBe(true);

    const layout = new BackupLayout(join(tmp.path, 'state-backups'));
    mkdirSync(layout.instanceDir('s'), { recursive: true });
    const seen = { at: '2026-01-01T00:00:00.000Z', runId: null, keyspace: {}, keys: 5, aofEnabled: true, role: 'master' };
    writeFileSync(
      layout.stateFile('s'),
      JSON.stringify({
        format: 'redback.instance-state/v1', instance: 's', updatedAt: seen.at,
        layout: { dir: '/d', dbfilename: '../../etc/passwd', appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', configFile: null, host: 'h', port: 1, redisVersion: null, runId: null, role: null, appendonly: true, discoveredAt: seen.at },
        lastSeen: seen, lastNonEmpty: seen,
      }),
    );
    const state = await loadInstanceState({ layout }, 's');
    expect(state?.layout).toBeNull();
    expect(state?.lastNonEmpty?.keys).toBe(5);

    const bad = writeAgentConfig(tmp.path, { backupDir, instances: [{ name: 'main', url: redis.url, dbfilename: '../dump.rdb' }] }, 'bad.yaml');
    const r = await runCli(['agent', 'list', '--config', bad]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/dbfilename must be a plain file name/);
  });
});
