import { rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { stringify } from 'yaml';
import { Catalog } from '../../coordinator/catalog/index.js';
import { sealManifest, type CopyManifest, type Tier } from '../../shared/manifest/copy-manifest.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { AGENT_TOKEN, TestFleet } from '../helpers/fleet-fixture.js';
import { openRawSession } from '../helpers/raw-agent.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SEEDED = 100_000;
const CAP = 1000;

/** A sealed manifest as an agent writes it; `over` replaces fields before sealing. */
function manifest(instance: string, i: number, over: Partial<CopyManifest> = {}, at = new Date(Date.UTC(2026, 0, 1) + i * 1000)): CopyManifest {
  const id = `${at.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-${(i % 0xffffff).toString(16).padStart(6, '0')}`;
  const tier: Tier = 'hourly';
  return sealManifest({
    format: 'redback.copy/v1',
    id,
    instance,
    tier,
    path: `/var/backups/redback/${instance}/${tier}/${id}.rdb`,
    file: `${id}.rdb`,
    bytes: 1000 + i,
    sha256: 'a'.repeat(64),
    crc64: 'b'.repeat(16),
    rdbVersion: 11,
    redisVersion: '7.2.4',
    createdAt: at.toISOString(),
    snapshotAt: at.toISOString(),
    usedMem: 1,
    aofBase: false,
    keys: { '0': 10 },
    expires: {},
    source: 'bgsave',
    linkedFrom: null,
    pinned: false,
    host: 'seed',
    redisRunId: null,
    producer: 'test',
    ...over,
  } as Omit<CopyManifest, 'checksum'>);
}

const record = (m: CopyManifest) => ({
  id: m.id,
  instance: m.instance,
  tier: m.tier,
  bytes: m.bytes,
  sha256: m.sha256,
  createdAt: m.createdAt,
  manifestJson: JSON.stringify(m),
  state: 'ok',
});

describe('trust: agent identity and claims, a catalog past one message, status that tells the truth', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  const metric = async (line: RegExp) => {
    const text = await (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();
    return text.split('\n').find((l) => line.test(l)) ?? null;
  };
  const backupsOf = async (args: string[] = []) => {
    const r = await runCliJson(['backups', '--json', ...args], { env: fleet.env, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    return r.json as Array<{ agentId: string; instance: string; id: string }>;
  };

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({ limits: { maxCopiesPerAgent: CAP, clockSkew: '5m' } });
    // 100 000 copies in the catalog before the coordinator starts (one seed agent, 20 instances),
    // written straight into its tables (indexing them one by one would take minutes on a busy box).
    const path = join(tmp.path, 'catalog', 'catalog.db');
    const catalog = Catalog.open(path);
    const instances = Array.from({ length: 20 }, (_, i) => `cache-${i}`);
    catalog.upsertAgent({ agentId: 'seed', hostname: 'seed', agentVersion: 't', protocolVersion: 1, transferAddress: '', instances: instances.map((name) => ({ name, address: '', redisVersion: '', role: 'master' })) });
    catalog.close();
    const db = new Database(path);
    const template = manifest('cache-0', 0);
    const insertBackup = db.prepare(`INSERT INTO backups (agent_id, instance, id, tier, bytes, sha256, crc64, created_at, rdb_version, redis_version, keys_json, manifest_json, first_seen_at)
      VALUES ('seed', @instance, @id, 'hourly', 1000, @sha, @crc, @at, 11, '7.2.4', '{"0":10}', @json, @at)`);
    const insertLocation = db.prepare(`INSERT INTO backup_locations (agent_id, instance, backup_id, kind, location, state, first_seen_at, last_seen_at, gone_at)
      VALUES ('seed', @instance, @id, 'local', @path, 'present', @at, @at, NULL)`);
    db.transaction(() => {
      for (let i = 0; i < SEEDED; i++) {
        const at = Date.UTC(2026, 0, 1) + i * 1000;
        const id = `${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z')}-${i.toString(16).padStart(6, '0')}`;
        const row = { instance: instances[i % 20]!, id, at, sha: template.sha256, crc: template.crc64, path: `/var/backups/${id}.rdb`, json: JSON.stringify({ ...template, id }) };
        insertBackup.run(row);
        insertLocation.run(row);
      }
    })();
    db.close();
    await fleet.startCoordinator();
    await fleet.startAgent(await fleet.addAgent('a1', { redis: { appendonly: true } }));
  }, 180_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  it('`redback backups --json` returns all 100 000 copies of the catalog (every list call is paged)', async () => {
    const started = Date.now();
    const all = await backupsOf();
    const seeded = all.filter((b) => b.agentId === 'seed');
    expect(seeded).toHaveLength(SEEDED);
    expect(new Set(seeded.map((b) => `${b.instance}/${b.id}`)).size).toBe(SEEDED);
    console.log(`backups --json of ${all.length} copies: ${Date.now() - started} ms`);
  }, 180_000);

  it('a new copy reaches the catalog and the backup metrics at once (copy event); job JSON nests its result', async () => {
    const r = await runCliJson(['backup', '--instance', 'a1/main', '--wait', '--json'], { env: fleet.env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.state).toBe('succeeded');
    expect(r.json.resultJson).toBeUndefined();
    const id = r.json.result.manifest.id as string;
    expect(id).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect((await backupsOf(['--instance', 'a1/main'])).map((b) => b.id)).toEqual([id]);
    expect(await metric(/^redback_backup_bytes\{agent="a1",instance="main",tier="manual"\} [1-9]/)).not.toBeNull();
    expect(await metric(/^redback_backup_duration_seconds_count\{tier="manual"\} 1$/)).not.toBeNull();
    expect(await metric(/^redback_backup_last_success_timestamp_seconds\{agent="a1",instance="main",tier="manual"\} /)).not.toBeNull();
  }, 60_000);

  it('`backup --timeout` that runs out ends timed-out, not failed; bad --state is a usage error', async () => {
    const r = await runCliJson(['backup', '--instance', 'a1/main', '--timeout', '1ms', '--wait', '--json'], { env: fleet.env });
    expect(r.code).toBe(13);
    expect(r.json.state).toBe('timed-out');
    expect(r.json.errorCode).toBe('TIMEOUT');
    const bad = await runCli(['jobs', '--state', 'bogus'], { env: fleet.env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown job state "bogus"/);
    expect(bad.stderr).toMatch(/timed-out/);
  }, 60_000);

  it('what an agent claims is validated: bad names, paths, instances, times and sizes are rejected, not stored', async () => {
    const raw = openRawSession(fleet.address, AGENT_TOKEN, 'rogue');
    try {
      raw.hello(1, { instances: [{ name: 'main', address: '', redisVersion: '', role: 'master' }] });
      await waitFor(() => raw.received.some((m) => m.body === 'welcome'), 10_000);
      const now = Date.now();
      const good1 = manifest('main', 1, {}, new Date(now - 60_000));
      const good2 = manifest('main', 2, {}, new Date(now - 30_000));
      const outside = manifest('main', 3, { file: 'x/../../../../victim.txt' }, new Date(now - 20_000));
      const badPath = manifest('main', 4, { path: '/etc/passwd' }, new Date(now - 20_000));
      const other = manifest('other', 5, {}, new Date(now - 20_000));
      const future = manifest('main', 6, {}, new Date(now + 3600_000));
      const badId = manifest('main', 7, { id: '../escape', file: '../escape.rdb', path: '/x/../escape.rdb' }, new Date(now - 10_000));
      const tooBig = manifest('main', 8, { bytes: 2 ** 52 }, new Date(now - 10_000));
      raw.stream.write({ inventory: { copies: [good1, outside, badPath, other].map(record), part: 1, parts: 2 } });
      raw.stream.write({ inventory: { copies: [future, good2, badId, tooBig].map(record), part: 2, parts: 2 } });
      const health = { up: true, role: 'master', dbsize: 5, usedMemory: 100, rdbLastBgsaveStatus: 'ok', rdbLastSaveTime: Math.floor(now / 1000), aofEnabled: false, aofLastWriteStatus: 'ok', aofLastBgrewriteStatus: 'ok', newest: [], error: '', loading: false };
      raw.stream.write({ heartbeat: { seq: 1, sentAtMs: now, backupFreeBytes: 10, backupTotalBytes: 20, instances: [{ name: 'main', ...health }, { name: 'ghost', ...health }, { name: 'x'.repeat(300), ...health }] } });
      // A heartbeat from an hour in the future is not believed at all.
      raw.stream.write({ heartbeat: { seq: 2, sentAtMs: now + 3600_000, backupFreeBytes: 10, backupTotalBytes: 20, instances: [{ name: 'main', ...health, dbsize: 999 }] } });
      await waitFor(async () => (await backupsOf(['--instance', 'rogue/main'])).length > 0, 10_000, 200);
      expect((await backupsOf(['--instance', 'rogue/main'])).map((b) => b.id).sort()).toEqual([good1.id, good2.id].sort());
      expect((await runCli(['backups', '--instance', 'rogue/other'], { env: fleet.env })).code).toBe(4);
      await waitFor(async () => {
        const { json } = await runCliJson(['instances', '--json'], { env: fleet.env });
        return json.some((i: { agentId: string; name: string; dbsize: number }) => i.agentId === 'rogue' && i.name === 'main' && i.dbsize === 5);
      }, 10_000, 200);
      const { json: instances } = await runCliJson(['instances', '--json'], { env: fleet.env });
      expect(instances.filter((i: { agentId: string }) => i.agentId === 'rogue').map((i: { name: string }) => i.name)).toEqual(['main']);
      expect(await metric(/^redback_agent_reports_rejected_total\{kind="copy"\} 6$/)).not.toBeNull();
      expect(await metric(/^redback_agent_reports_rejected_total\{kind="heartbeat"\} 3$/)).not.toBeNull();

      // At most limits.maxCopiesPerAgent copies of one agent are indexed; the inventory comes in parts.
      const many = Array.from({ length: CAP + 200 }, (_, i) => record(manifest('main', 100 + i, {}, new Date(now - 3600_000 + i * 1000))));
      for (let part = 1; part <= 3; part++) raw.stream.write({ inventory: { copies: many.slice((part - 1) * 400, part * 400), part, parts: 3 } });
      await waitFor(async () => (await backupsOf(['--instance', 'rogue/main'])).length === CAP, 15_000, 300);

      // Health the heartbeat reports is judged: loading too long, failed BGSAVE, failed AOF write.
      raw.stream.write({
        heartbeat: { seq: 3, sentAtMs: Date.now(), backupFreeBytes: 10, backupTotalBytes: 20, instances: [{ name: 'main', ...health, loading: true, loadingSeconds: 900, rdbLastBgsaveStatus: 'err', aofEnabled: true, aofLastWriteStatus: 'err' }] },
      });
      await waitFor(async () => {
        const { json } = await runCliJson(['status', '--json'], { env: fleet.env });
        return json.problemInstances.some((i: { agentId: string; problems: string[] }) => i.agentId === 'rogue' && i.problems.some((p) => /loading/.test(p)));
      }, 10_000, 200);
      const status = await runCliJson(['status', '--json'], { env: fleet.env });
      expect(status.code).toBe(14);
      const rogue = status.json.problemInstances.find((i: { agentId: string }) => i.agentId === 'rogue');
      expect(rogue.problems.join('\n')).toMatch(/loading its dataset for 900 s/);
      expect(rogue.problems.join('\n')).toMatch(/last BGSAVE failed/);
      expect(rogue.problems.join('\n')).toMatch(/last AOF write failed/);

      // `agents forget` refuses a connected agent, dry-runs, then removes it once it is gone.
      const refused = await runCli(['agents', 'forget', 'rogue'], { env: fleet.env });
      expect(refused.code).toBe(9);
      expect(refused.stderr).toMatch(/is connected/);
      const dry = await runCliJson(['agents', 'forget', 'rogue', '--dry-run', '--force', '--json'], { env: fleet.env });
      // Every copy record it ever reported goes: the capped inventory's and the two it replaced.
      expect(dry.json).toMatchObject({ agentId: 'rogue', removed: false, wasConnected: true, instances: 1, backups: CAP + 2 });
    } finally {
      raw.close();
    }
    await waitFor(async () => {
      const { json } = await runCliJson(['agents', '--json'], { env: fleet.env });
      return json.find((a: { agentId: string }) => a.agentId === 'rogue')?.liveness !== 'online';
    }, 15_000, 300);
    const forgot = await runCliJson(['agents', 'forget', 'rogue', '--json'], { env: fleet.env });
    expect(forgot.code, forgot.stderr).toBe(0);
    expect(forgot.json).toMatchObject({ removed: true, instances: 1, backups: CAP + 2 });
    const { json: agents } = await runCliJson(['agents', '--json'], { env: fleet.env });
    expect(agents.map((a: { agentId: string }) => a.agentId).sort()).toEqual(['a1', 'seed']);
    expect((await runCli(['backups', '--instance', 'rogue/main'], { env: fleet.env })).code).toBe(4);
    expect((await runCli(['agents', 'forget', 'rogue'], { env: fleet.env })).code).toBe(4);
  }, 180_000);

  it('an instance down in the AOF trap is a problem in `redback status` within seconds', async () => {
    const agent = fleet.agents[0]!;
    await agent.redis.kill9();
    rmSync(join(tmp.path, 'redis-a1', 'appendonlydir'), { recursive: true, force: true });
    await waitFor(async () => {
      const { json } = await runCliJson(['status', '--json'], { env: fleet.env });
      return json.problemInstances.some((i: { agentId: string; problems: string[] }) => i.agentId === 'a1' && i.problems.some((p) => /AOF trap/.test(p)));
    }, 15_000, 300);
    const status = await runCli(['status'], { env: fleet.env });
    expect(status.code).toBe(14);
    expect(status.stdout).toMatch(/^PROBLEMS/);
    expect(status.stdout).toMatch(/redis is down/);
    expect(status.stdout).toMatch(/AOF trap.*redback agent recover --instance main/);
  }, 60_000);

  it('a second session for a connected agent id is refused (never a replacement), counted, and shown in status', async () => {
    const agent = fleet.agents[0]!;
    const raw = openRawSession(fleet.address, AGENT_TOKEN, 'a1');
    try {
      raw.hello(1, { instances: [{ name: 'main', address: '', redisVersion: '', role: 'master' }] });
      const refused = await raw.status;
      expect(refused.code).toBe(grpc.status.ALREADY_EXISTS);
      expect(refused.details).toMatch(/already connected/);
    } finally {
      raw.close();
    }
    const { json: agents } = await runCliJson(['agents', '--json'], { env: fleet.env });
    expect(agents.find((a: { agentId: string }) => a.agentId === 'a1').liveness).toBe('online');
    expect(agent.process!.logs().some((l) => l.msg === 'coordinator session ended')).toBe(false);
    expect(await metric(/^redback_agent_duplicate_sessions_total\{agent="a1"\} 1$/)).not.toBeNull();
    const status = await runCliJson(['status', '--json'], { env: fleet.env });
    expect(status.code).toBe(14);
    expect(status.json.problems.join('\n')).toMatch(/agent a1: 1 second session\(s\) refused/);
  }, 60_000);
});

describe('coordinator config and operator defaults', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('adminToken equal to the agent token is a config error (exit 3)', async () => {
    const file = join(tmp.path, 'same.yaml');
    const token = 'same-token-0123456789abcdef';
    writeFileSync(file, stringify({ listen: '127.0.0.1:0', catalog: join(tmp.path, 'c.db'), auth: { adminToken: token, agentToken: token } }));
    const r = await runCli(['coordinator', 'run', '--config', file]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/adminToken must differ from every agent token/);
    writeFileSync(file, stringify({ listen: '127.0.0.1:0', catalog: join(tmp.path, 'c.db'), auth: { adminToken: token, agentTokens: { h1: token } } }));
    expect((await runCli(['coordinator', 'run', '--config', file])).code).toBe(3);
  });

  it('--coordinator HOST uses the standard port 7400', async () => {
    const r = await runCli(['status', '--coordinator', '127.0.0.1', '--token', 'x'.repeat(20)], { timeoutMs: 30_000 });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('127.0.0.1:7400');
  });
});
