import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../helpers/cli.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { fillAllTypes } from '../helpers/fill-redis.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('redback agent snapshot / list / verify (real redis-server)', () => {
  const tmp = makeTempDir();
  let redis: TestRedisServer;
  let config: string;
  let expectedKeys: Record<string, number>;
  const backupDir = join(tmp.path, 'backups');

  beforeAll(async () => {
    redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
    expectedKeys = await fillAllTypes(redis.client(), { dbs: [0, 3, 15], perType: 25 });
    // The minimal config of the issue: backupDir and one instance by URL; the rest is discovered.
    config = writeAgentConfig(tmp.path, { backupDir, instances: [{ name: 'main', url: redis.url }] });
  });

  afterAll(async () => {
    await redis.stop();
    tmp.cleanup();
  });

  it('prints the manifest of a verified copy whose sha256 matches the file', async () => {
    const { code, json, stderr } = await runCliJson(['agent', 'snapshot', '--config', config, '--instance', 'main', '--json']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    for (const field of ['id', 'instance', 'tier', 'path', 'bytes', 'sha256', 'rdbVersion', 'redisVersion', 'createdAt', 'keys']) {
      expect(json).toHaveProperty(field);
    }
    expect(json.instance).toBe('main');
    expect(json.tier).toBe('manual');
    expect(json.rdbVersion).toBe(10);
    expect(json.redisVersion).toBe('7.0.15');
    expect(json.keys).toEqual(expectedKeys);
    expect(json.source).toBe('bgsave');
    const bytes = readFileSync(json.path);
    expect(bytes.length).toBe(json.bytes);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(json.sha256);
    // Files 0600, directories 0700.
    expect(statSync(json.path).mode & 0o777).toBe(0o600);
    expect(statSync(join(backupDir, 'main', 'manual')).mode & 0o777).toBe(0o700);
    // The manifest beside the copy says the same.
    const manifest = JSON.parse(readFileSync(json.path.replace(/\.rdb$/, '.manifest.json'), 'utf8'));
    expect(manifest.sha256).toBe(json.sha256);
    expect(manifest.format).toBe('redback.copy/v1');
  });

  it('takes a fresh BGSAVE: data written just before the snapshot is in the copy', async () => {
    const c = redis.client();
    await c.set('late-key', 'late');
    const { json } = await runCliJson(['agent', 'snapshot', '--config', config, '--instance', 'main', '--tier', 'hourly', '--json']);
    expect(json.tier).toBe('hourly');
    expect(json.keys['0']).toBe(expectedKeys['0']! + 1);
    await c.del('late-key');
  });

  it('lists copies as a table and as JSON', async () => {
    const table = await runCli(['agent', 'list', '--config', config]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/INSTANCE\s+TIER\s+ID/);
    expect(table.stdout).toMatch(/main\s+hourly/);
    const { json } = await runCliJson(['agent', 'list', '--config', config, '--json']);
    expect(json.copies.length).toBe(2);
    expect(json.copies.every((c: { state: string }) => c.state === 'ok')).toBe(true);
  });

  it('verify exits 0 for good copies, and non-zero naming a copy with one byte changed', async () => {
    const ok = await runCli(['agent', 'verify', '--config', config]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/2 copies checked, 0 bad/);

    const { json } = await runCliJson(['agent', 'list', '--config', config, '--json', '--instance', 'main']);
    const victim = json.copies.find((c: { tier: string }) => c.tier === 'manual');
    const bytes = readFileSync(victim.path);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0xff;
    writeFileSync(victim.path, bytes);

    const bad = await runCli(['agent', 'verify', '--config', config, '--no-quarantine']);
    expect(bad.code).toBe(8);
    expect(bad.stderr).toContain(victim.id);
    expect(bad.stderr).toMatch(/mismatch|corrupt|truncated/);
    // --no-quarantine left it in place; the default run moves it aside (never deletes it).
    expect(existsSync(victim.path)).toBe(true);
    const moved = await runCliJson(['agent', 'verify', '--config', config, '--json']);
    expect(moved.code).toBe(8);
    const result = moved.json.results.find((r: { id: string }) => r.id === victim.id);
    expect(result.ok).toBe(false);
    expect(existsSync(victim.path)).toBe(false);
    expect(readdirSync(result.quarantinedTo)).toContain(`${victim.id}.rdb`);
    // The other copy is untouched and still good.
    const after = await runCli(['agent', 'verify', '--config', config]);
    expect(after.code).toBe(0);
  });

  it('daily is a hard link of the day\'s first good copy', async () => {
    const { json: daily } = await runCliJson(['agent', 'daily', '--config', config, '--instance', 'main', '--json']);
    expect(daily.action).toBe('linked');
    const { json } = await runCliJson(['agent', 'list', '--config', config, '--json']);
    const hourly = json.copies.find((c: { tier: string }) => c.tier === 'hourly');
    expect(daily.linkedFrom).toBe(hourly.id);
    expect(statSync(daily.path).ino).toBe(statSync(hourly.path).ino);
    const again = await runCliJson(['agent', 'daily', '--config', config, '--instance', 'main', '--json']);
    expect(again.json.action).toBe('exists');
  });

  it('prune --dry-run lists every copy with keep/delete and a reason, and deletes nothing', async () => {
    const before = await runCliJson(['agent', 'list', '--config', config, '--json']);
    const { json } = await runCliJson(['agent', 'prune', '--config', config, '--dry-run', '--json']);
    expect(json[0].dryRun).toBe(true);
    expect(json[0].decisions.length).toBe(before.json.copies.length);
    for (const d of json[0].decisions) {
      expect(['keep', 'delete']).toContain(d.action);
      expect(d.reason.length).toBeGreaterThan(3);
    }
    const after = await runCliJson(['agent', 'list', '--config', config, '--json']);
    expect(after.json.copies.length).toBe(before.json.copies.length);
  });

  it('mode existing copies a recent dump.rdb without forking', async () => {
    const c = redis.client();
    await c.call('SAVE');
    const { code, json } = await runCliJson(['agent', 'snapshot', '--config', config, '--instance', 'main', '--mode', 'existing', '--json']);
    expect(code).toBe(0);
    expect(json.source).toBe('existing');
  });
});
