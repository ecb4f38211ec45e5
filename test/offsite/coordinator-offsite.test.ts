import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSetManifest, sealSetManifest, serializeSetManifest } from '../../shared/offsite/set-manifest.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestFleet } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface SetJson {
  agentId: string;
  instance: string;
  setId: string;
  state: string;
  objectCount: number;
  plainBytes: number;
  storedBytes: number;
  verifyState: string;
  objects: Array<{ key: string; kind: string; plainSha256: string; storedSha256: string; storedBytes: number }>;
}

const DAY = 86_400_000;

/** Every file under `dir`, relative, `/`-separated. */
function walk(dir: string, base = dir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name), base) : [join(dir, e.name).slice(base.length + 1)]));
}

describe('offsite sets driven by the coordinator (coordinator + agent + redis-server processes)', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  const store = join(tmp.path, 'store');
  const setsDir = join(store, 'fleet', 'agent-1', 'main', 'sets');
  const offsite = (extra: Record<string, unknown> = {}) => ({
    type: 'local',
    path: store,
    prefix: 'fleet',
    // Not tonight: these tests start uploads themselves, until the scheduler test.
    schedule: '0 2 1 1 *',
    catchUpAfter: null,
    pruneAfterUpload: false,
    ...extra,
  });
  const sets = async (): Promise<SetJson[]> => (await runCliJson<{ sets: SetJson[] }>(['offsite', 'list', '--json'], { env: fleet.env })).json.sets;

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({ offsite: offsite() });
    await fleet.startCoordinator();
    // AOF on: the set carries the AOF directory, and verify --read-data runs redis-check-aof on it.
    await fleet.startAgent(await fleet.addAgent('agent-1', { redis: { appendonly: true } }));
  }, 120_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  }, 150_000);

  it('`redback upload --instance X --wait` makes a complete set, recorded with every object', async () => {
    const agent = fleet.agents[0]!;
    // The agent cached the target the coordinator handed over (no key material in it).
    await waitFor(() => existsSync(join(agent.backupDir, '.agent', 'offsite.json')), 10_000, 100);
    const cached = JSON.parse(readFileSync(join(agent.backupDir, '.agent', 'offsite.json'), 'utf8'));
    expect(cached.offsite).toMatchObject({ type: 'local', path: store, prefix: 'fleet' });
    // Coordinator-only keys stay on the coordinator.
    expect(cached.offsite.catchUpAfter).toBeUndefined();
    expect(cached.offsite.pruneAfterUpload).toBeUndefined();

    const r = await runCli(['upload', '--instance', 'agent-1/main', '--wait'], { env: fleet.env });
    expect(r.stderr).toMatch(/succeeded/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^offsite set \S+: \d+ objects/);

    const list = await sets();
    expect(list).toHaveLength(1);
    const set = list[0]!;
    expect(set).toMatchObject({ agentId: 'agent-1', instance: 'main', state: 'complete', verifyState: 'never' });
    expect(set.objects.map((o) => o.kind)).toEqual(expect.arrayContaining(['rdb', 'aof', 'aof-manifest', 'config']));
    expect(set.objectCount).toBe(set.objects.length);
    // The store has exactly the manifest's objects plus the two manifests (independent listing).
    const files = walk(join(setsDir, set.setId)).sort();
    expect(files).toEqual([...set.objects.map((o) => o.key), 'manifest.copy.json', 'manifest.json'].sort());
    for (const o of set.objects) expect(statSync(join(setsDir, set.setId, o.key)).size).toBe(o.storedBytes);

    const table = await runCli(['offsite', 'list'], { env: fleet.env });
    expect(table.stdout).toMatch(/INSTANCE\s+AGENT\s+SET\s+AGE/);
    expect(table.stdout).toContain(set.setId);
    const metrics = await (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^redback_offsite_last_success_timestamp_seconds\{agent="agent-1",instance="main"\} \d+/m);
    expect(metrics).toMatch(new RegExp(`^redback_offsite_set_bytes\\{agent="agent-1",instance="main"\\} ${set.storedBytes}$`, 'm'));
    expect(metrics).toMatch(/^redback_offsite_upload_duration_seconds_count 1$/m);
    const instances = await runCliJson(['instances', '--json'], { env: fleet.env });
    expect(instances.json[0].newestOffsiteAt).not.toBe('');
  }, 150_000);

  it('`offsite verify --read-data` passes, then catches one flipped byte (exit 8, naming the object)', async () => {
    const [set] = await sets();
    const ok = await runCli(['offsite', 'verify', '--read-data'], { env: fleet.env });
    expect(ok.stdout).toMatch(/^ok\s+agent-1\/main/m);
    expect(ok.code).toBe(0);
    expect((await sets())[0]!.verifyState).toBe('ok');

    const rdb = set!.objects.find((o) => o.kind === 'rdb')!;
    const path = join(setsDir, set!.setId, rdb.key);
    const original = readFileSync(path);
    const damaged = Buffer.from(original);
    damaged[Math.floor(damaged.length / 2)]! ^= 0x01;
    writeFileSync(path, damaged);
    try {
      // Sizes alone cannot see it; reading the data does.
      expect((await runCli(['offsite', 'verify'], { env: fleet.env })).code).toBe(0);
      const bad = await runCli(['offsite', 'verify', '--read-data'], { env: fleet.env });
      expect(bad.code).toBe(8);
      expect(bad.stdout).toMatch(/^BAD agent-1\/main/m);
      expect(bad.stderr).toContain(rdb.key);
      const after = (await sets())[0]!;
      expect(after.verifyState).toBe('failed');
      const metrics = await (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();
      expect(metrics).toMatch(/^redback_offsite_verify_failures_total\{agent="agent-1",instance="main"\} 1$/m);
    } finally {
      writeFileSync(path, original);
    }
    expect((await runCli(['offsite', 'verify', '--read-data-subset', '50%'], { env: fleet.env })).code).toBe(0);
  }, 150_000);

  it('`offsite prune --dry-run` gives a reason per set and never deletes the newest; prune deletes old and incomplete sets', async () => {
    const [newest] = await sets();
    const srcDir = join(setsDir, newest!.setId);
    const manifest = parseSetManifest(readFileSync(join(srcDir, 'manifest.json'), 'utf8'));
    if (!manifest.ok) throw new Error(manifest.reason);
    // Two complete sets 40 and 50 days old (same objects, sealed manifests), one incomplete set from 3 days ago.
    const old = [40, 50].map((days) => {
      const at = new Date(Date.now() - days * DAY);
      const setId = `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-0000${days}`;
      cpSync(srcDir, join(setsDir, setId), { recursive: true });
      const { checksum: _c, ...body } = manifest.manifest;
      const sealed = sealSetManifest({ ...body, setId, createdAt: at.toISOString(), startedAt: at.toISOString() });
      for (const name of ['manifest.json', 'manifest.copy.json']) writeFileSync(join(setsDir, setId, name), serializeSetManifest(sealed));
      return setId;
    });
    const incompleteAt = new Date(Date.now() - 3 * DAY);
    const incomplete = `${incompleteAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-00abcd`;
    cpSync(srcDir, join(setsDir, incomplete), { recursive: true });
    rmSync(join(setsDir, incomplete, 'manifest.json'));
    rmSync(join(setsDir, incomplete, 'manifest.copy.json'));

    const dry = await runCliJson(['offsite', 'prune', '--dry-run', '--json'], { env: fleet.env });
    expect(dry.code).toBe(0);
    const byId = new Map(dry.json.decisions.map((d: { setId: string }) => [d.setId, d]));
    expect(byId.get(newest!.setId)).toMatchObject({ action: 'keep', reason: expect.stringContaining('newest complete set') });
    for (const id of old) expect(byId.get(id)).toMatchObject({ action: 'delete', reason: expect.stringContaining('older than 30 days') });
    expect(byId.get(incomplete)).toMatchObject({ action: 'delete', complete: false, reason: expect.stringContaining('incomplete') });
    // A dry run changes nothing.
    for (const id of [...old, incomplete]) expect(existsSync(join(setsDir, id))).toBe(true);
    const table = await runCli(['offsite', 'prune', '--dry-run'], { env: fleet.env });
    expect(table.stdout).toMatch(/would delete/);
    expect(table.stdout).toMatch(/dry run: 3 set\(s\) would be deleted/);

    const real = await runCliJson(['offsite', 'prune', '--json'], { env: fleet.env });
    expect(real.json.deletedSets).toBe(3);
    expect(readdirSync(setsDir).filter((id) => walk(join(setsDir, id)).length > 0)).toEqual([newest!.setId]);
    expect((await sets()).map((s) => s.setId)).toEqual([newest!.setId]);
  }, 150_000);

  it('`redback catalog rebuild` finds the set with every object\'s checksum after the catalog file is lost', async () => {
    const before = await sets();
    await fleet.coordinator!.stop();
    const catalogDir = join(tmp.path, 'catalog');
    for (const f of readdirSync(catalogDir)) rmSync(join(catalogDir, f));
    await fleet.startCoordinator();
    await fleet.agents[0]!.process!.waitForLog((l) => l.msg === 'connected to coordinator', 20_000);
    expect(await sets()).toEqual([]);
    // With offsite configured, an instance without a complete set is a problem for on-call.
    await waitFor(async () => (await runCli(['status'], { env: fleet.env })).stdout.includes('no complete offsite set'), 10_000, 300);
    expect((await runCli(['status'], { env: fleet.env })).code).toBe(14);

    const dry = await runCli(['catalog', 'rebuild', '--dry-run'], { env: fleet.env });
    expect(dry.stdout).toMatch(/would record 1 complete offsite set/);
    expect(await sets()).toEqual([]);

    const r = await runCli(['catalog', 'rebuild'], { env: fleet.env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/recorded 1 complete offsite set\(s\) with \d+ object/);
    expect(r.stdout).toMatch(/asked 1 connected agent/);
    const after = await sets();
    expect(after.map((s) => s.setId)).toEqual(before.map((s) => s.setId));
    const strip = (s: SetJson) => s.objects.map((o) => ({ key: o.key, plainSha256: o.plainSha256, storedSha256: o.storedSha256, storedBytes: o.storedBytes }));
    expect(strip(after[0]!)).toEqual(strip(before[0]!));
    // The agent's local copies come back too (inventory resent).
    await waitFor(async () => (await runCliJson(['backups', '--json'], { env: fleet.env })).json.length > 0, 10_000, 200);
  }, 150_000);

  it('`upload --wait --json` prints one JSON line per job event, the last one the finished job', async () => {
    const r = await runCli(['upload', '--instance', 'main', '--wait', '--json'], { env: fleet.env });
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines.slice(0, -1).every((l) => l.event === 'job')).toBe(true);
    expect(lines.at(-1)).toMatchObject({ event: 'done', job: { type: 'upload', state: 'succeeded' } });
    expect(lines.at(-1).job.result.manifest.setId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
  }, 150_000);

  it('the scheduler runs a staggered nightly round within the cap; status flags an instance without a recent set', async () => {
    const count = (await sets()).length;
    await fleet.coordinator!.stop();
    await fleet.writeCoordinatorConfig({ offsite: offsite({ schedule: '*/4 * * * * *', stagger: '2s', maxConcurrentUploads: 1 }) });
    await fleet.startCoordinator();
    await waitFor(async () => (await sets()).length > count, 40_000, 500);
    const jobs = await runCliJson(['jobs', '--json'], { env: fleet.env });
    expect(jobs.json.some((j: { type: string; state: string }) => j.type === 'upload' && j.state === 'succeeded')).toBe(true);
    const status = await runCli(['status'], { env: fleet.env });
    expect(status.stdout).not.toMatch(/no complete offsite set/);
  }, 150_000);
});
