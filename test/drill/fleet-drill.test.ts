import { mkdirSync, openSync, readdirSync, readSync, writeSync, closeSync, fstatSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { AGENT_TOKEN, TestFleet, type FleetAgent } from '../helpers/fleet-fixture.js';
import { fillAllTypes } from '../helpers/fill-redis.js';
import { TestRedisServer, waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { redisServersUnder } from './process-probe.js';

interface DrillJson {
  instance: string;
  targetInstance: string | null;
  source: string;
  backupId: string;
  ok: boolean;
  error: string | null;
  rtoMs: number;
  phases: { fetchMs: number; loadMs: number; checkMs: number; finishMs?: number };
  keysExpected: Record<string, number>;
  keysFound: Record<string, number>;
  scratchPort: number | null;
}

interface InstanceJson {
  agentId: string;
  name: string;
  lastDrill: { ok: boolean; rtoMs: number; backupId: string; source: string; error: string; keysExpected: Record<string, number>; keysFound: Record<string, number>; targetInstance: string } | null;
  lastDrillSuccessAt: string;
}


/** Flips bytes in the middle of the file (its size stays the same). */
function corrupt(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    const at = Math.floor(fstatSync(fd).size / 2);
    const buf = Buffer.alloc(16);
    readSync(fd, buf, 0, 16, at);
    for (let i = 0; i < buf.length; i++) buf[i] = buf[i]! ^ 0xff;
    writeSync(fd, buf, 0, 16, at);
  } finally {
    closeSync(fd);
  }
}

describe('restore drills (coordinator + agents + real redis-servers)', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  const store = join(tmp.path, 'offsite-store');
  // Where the agent's scratch servers live (TMPDIR of the agent process): empty after every drill.
  const scratchBase = join(tmp.path, 'scratch-tmp');
  let h1: FleetAgent;
  let spare: TestRedisServer;

  const instances = async (): Promise<InstanceJson[]> => (await runCliJson<InstanceJson[]>(['instances', '--json'], { env: fleet.env })).json;
  const instance = async (agent: string, name: string) => (await instances()).find((i) => i.agentId === agent && i.name === name)!;

  beforeAll(async () => {
    mkdirSync(scratchBase, { recursive: true });
    await fleet.writeCoordinatorConfig({
      offsite: { type: 'local', path: store, prefix: 'fleet', schedule: '0 2 1 1 *', catchUpAfter: null, pruneAfterUpload: false },
      // Only `sched/main` is drilled by the schedule (its agent starts in the scheduled-drill test).
      drills: { schedule: '*/3 * * * * *', instances: ['sched/main'], window: '1h' },
    });
    await fleet.startCoordinator();
    h1 = await fleet.addAgent('h1', { redis: { extraConfig: ['enable-debug-command local'] } });
    spare = await TestRedisServer.start({ dir: join(tmp.path, 'redis-h1-spare'), extraConfig: ['enable-debug-command local'] });
    await fillAllTypes(spare.client(), { perType: 2, seed: 'spare-own' });
    writeAgentConfig(
      tmp.path,
      {
        agentId: 'h1',
        backupDir: h1.backupDir,
        coordinator: { address: fleet.address, token: AGENT_TOKEN, reconnectMaxDelay: '2s' },
        schedules: { hourly: null, daily: null },
        instances: [
          { name: 'main', url: h1.redis.url, configFile: h1.redis.confPath, control: { type: 'process' } },
          { name: 'spare', url: spare.url, configFile: spare.confPath, control: { type: 'process' } },
        ],
      },
      'agent-h1.yaml',
    );
    // Generous waits: the machine is shared and slow under load.
    const proc = await fleet.startAgent(h1, false, { TMPDIR: scratchBase });
    await proc.waitForLog((l) => l.msg === 'connected to coordinator', 90_000);
    await waitFor(async () => (await instances()).filter((i) => i.agentId === 'h1').length === 2, 60_000, 200);
  }, 240_000);

  afterAll(async () => {
    await fleet.stopControlledRedis();
    // The spare instance runs under the agent's control after the --target-instance drill.
    const { Redis } = await import('ioredis');
    const c = new Redis({ port: spare.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    c.on('error', () => undefined);
    await c.connect().then(() => c.call('SHUTDOWN', 'NOSAVE')).catch(() => undefined);
    c.disconnect();
    await spare?.stop();
    await fleet.stop();
    tmp.cleanup();
  }, 120_000);

  it('a drill of a good copy restores it into a scratch redis-server, records its recovery time and key counts; `redback instances` shows it', async () => {
    expect((await runCli(['backup', '--instance', 'h1/main', '--wait'], { env: fleet.env })).code).toBe(0);
    const r = await runCliJson<{ drill: DrillJson; job: { state: string } }>(['drill', '--instance', 'h1/main', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const d = r.json.drill;
    expect(d.ok).toBe(true);
    expect(d.source).toBe('local');
    expect(d.targetInstance).toBeNull();
    expect(d.rtoMs).toBeGreaterThan(0);
    expect(d.phases.fetchMs + d.phases.loadMs + d.phases.checkMs).toBeLessThanOrEqual(d.rtoMs + 5);
    expect(d.keysExpected).toEqual({ '0': 40, '3': 40 });
    expect(d.keysFound).toEqual(d.keysExpected);
    expect(d.scratchPort).toBeGreaterThan(0);
    // Nothing left: no scratch directory, no server (the port answers nobody).
    expect(readdirSync(scratchBase)).toEqual([]);
    expect(redisServersUnder(scratchBase)).toEqual([]);

    const main = await instance('h1', 'main');
    expect(main.lastDrill).toMatchObject({ ok: true, backupId: d.backupId, source: 'local', rtoMs: d.rtoMs, keysFound: d.keysExpected, error: '' });
    expect(main.lastDrillSuccessAt).not.toBe('');
    const table = await runCli(['instances'], { env: fleet.env });
    expect(table.stdout).toMatch(/LAST DRILL\s+RTO/);
    expect(table.stdout).toMatch(/main\s.*ok \S+.*\d+(ms|\.\ds)/);

    // Without --json: the verdict with the phases and the keys.
    const human = await runCli(['drill', '--instance', 'h1/main'], { env: fleet.env, timeoutMs: 120_000 });
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^drill of main passed: recovery time \S+ \(fetch \S+, load \S+, check \S+\)/);
    expect(human.stdout).toMatch(/keys: .*db0.*40/);
  }, 180_000);

  it('a drill of an offsite set downloads and checks it', async () => {
    expect((await runCli(['upload', '--instance', 'h1/main', '--wait'], { env: fleet.env, timeoutMs: 120_000 })).code).toBe(0);
    const sets = (await runCliJson<{ sets: Array<{ setId: string; instance: string }> }>(['offsite', 'list', '--instance', 'h1/main', '--json'], { env: fleet.env })).json.sets;
    expect(sets).toHaveLength(1);
    const r = await runCliJson<{ drill: DrillJson }>(['drill', '--instance', 'h1/main', '--source', 'offsite', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.drill).toMatchObject({ ok: true, source: 'offsite', backupId: sets[0]!.setId, keysFound: { '0': 40, '3': 40 } });
    expect((await instance('h1', 'main')).lastDrill).toMatchObject({ ok: true, source: 'offsite', backupId: sets[0]!.setId });
    expect(readdirSync(scratchBase)).toEqual([]);
  }, 180_000);

  it('--target-instance restores into a second instance through the restore runbook: its DEBUG DIGEST equals the source\'s at copy time', async () => {
    const main = h1.redis.client();
    await main.set('drill:marker', 'at-copy-time');
    const backup = await runCliJson<{ result: { manifest: { id: string } } }>(['backup', '--instance', 'h1/main', '--wait', '--json'], { env: fleet.env });
    expect(backup.code).toBe(0);
    const digestAtCopy = String(await main.call('DEBUG', 'DIGEST'));
    // The source moves on after the copy; the drill restores the copy, not today's data.
    await main.set('drill:after-copy', 'not in the copy');
    const spareBefore = String(await spare.client().call('DEBUG', 'DIGEST'));
    expect(spareBefore).not.toBe(digestAtCopy);

    // --dry-run says what would happen and starts nothing.
    const dry = await runCli(['drill', '--instance', 'h1/main', '--target-instance', 'spare', '--dry-run'], { env: fleet.env });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^dry run: would drill the newest local copy of h1\/main .*into instance spare on h1/);
    expect(String(await spare.client().call('DEBUG', 'DIGEST'))).toBe(spareBefore);
    const unknown = await runCli(['drill', '--instance', 'h1/main', '--target-instance', 'nope', '--dry-run'], { env: fleet.env });
    expect(unknown.code).toBe(4);

    const r = await runCliJson<{ drill: DrillJson }>(['drill', '--instance', 'h1/main', '--target-instance', 'spare', '--backup', backup.json.result.manifest.id, '--json'], { env: fleet.env, timeoutMs: 180_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.drill).toMatchObject({ ok: true, targetInstance: 'spare', backupId: backup.json.result.manifest.id, keysFound: { '0': 41, '3': 40 } });
    expect(r.json.drill.phases.finishMs).toBeGreaterThanOrEqual(0);

    const { Redis } = await import('ioredis');
    const restored = new Redis({ port: spare.port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await restored.connect();
      expect(String(await restored.call('DEBUG', 'DIGEST'))).toBe(digestAtCopy);
      expect(await restored.get('drill:marker')).toBe('at-copy-time');
    } finally {
      restored.disconnect();
    }
    // The drilled instance itself was not touched.
    expect(await main.get('drill:after-copy')).toBe('not in the copy');
    expect((await instance('h1', 'main')).lastDrill).toMatchObject({ ok: true, targetInstance: 'spare' });
    // A drill never restores into the instance it tests.
    const self = await runCli(['drill', '--instance', 'h1/main', '--target-instance', 'main'], { env: fleet.env });
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/never restores into the instance it tests/);
  }, 240_000);

  it('a drill of a copy whose RDB was corrupted on disk fails with exit 20 and one line, is recorded as failed, and leaves no redis-server and no scratch dir', async () => {
    const backup = await runCliJson<{ result: { manifest: { id: string; tier: string } } }>(['backup', '--instance', 'h1/main', '--wait', '--json'], { env: fleet.env });
    const { id, tier } = backup.json.result.manifest;
    corrupt(join(h1.backupDir, 'main', tier, `${id}.rdb`));
    const r = await runCli(['drill', '--instance', 'h1/main', '--backup', id], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(20);
    const lines = r.stderr.trim().split('\n').filter((l) => l.startsWith('redback:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/drill of h1\/main failed: the copy does not restore: .*(corrupt|sha-?256|checksum|verification)/i);
    expect(readdirSync(scratchBase)).toEqual([]);
    expect(redisServersUnder(scratchBase)).toEqual([]);
    const main = await instance('h1', 'main');
    expect(main.lastDrill).toMatchObject({ ok: false, backupId: id });
    expect(main.lastDrill!.error).toMatch(/corrupt|verification|sha/i);
    // The last success is still the earlier drill.
    expect(main.lastDrillSuccessAt).not.toBe('');

    const json = await runCli(['drill', '--instance', 'h1/main', '--backup', id, '--json'], { env: fleet.env, timeoutMs: 120_000 });
    // The corrupt copy was moved to quarantine by the first drill: now it is not found (exit 4).
    expect(json.code).toBe(4);
  }, 180_000);

  it('the metrics endpoint shows the drill metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();
    expect(text).toMatch(/^redback_drill_last_success_timestamp_seconds\{agent="h1",instance="main"\} \d+/m);
    expect(text).toMatch(/^redback_drill_duration_seconds\{agent="h1",instance="main"\} \d+(\.\d+)?(e-\d+)?$/m);
  });

  it('a scheduled drill runs (drills.schedule in the coordinator config) and is shown with its RTO; the window is exported', async () => {
    const sched = await fleet.addAgent('sched');
    await (await fleet.startAgent(sched, false, { TMPDIR: scratchBase })).waitForLog((l) => l.msg === 'connected to coordinator', 90_000);
    expect((await runCli(['backup', '--instance', 'sched/main', '--wait'], { env: fleet.env })).code).toBe(0);
    let s!: InstanceJson;
    await waitFor(async () => (s = await instance('sched', 'main'))?.lastDrill?.ok === true, 120_000, 500);
    expect(s.lastDrill!.rtoMs).toBeGreaterThan(0);
    expect(s.lastDrill!.keysFound).toEqual({ '0': 40, '3': 40 });
    const jobs = (await runCliJson<Array<{ type: string; instance: string; agentId: string }>>(['jobs', '--instance', 'main', '--json'], { env: fleet.env })).json;
    expect(jobs.some((j) => j.type === 'drill' && j.agentId === 'sched')).toBe(true);
    const text = await (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();
    expect(text).toMatch(/^redback_drill_window_seconds\{agent="sched",instance="main"\} 3600$/m);
    expect(text).not.toMatch(/^redback_drill_window_seconds\{agent="h1"/m);
    expect(text).toMatch(/^redback_drill_last_success_timestamp_seconds\{agent="sched",instance="main"\} \d+/m);
    await sched.process!.stop();
    // The agent stopped its scratch server, if a scheduled drill was running.
    expect(redisServersUnder(scratchBase)).toEqual([]);
  }, 240_000);
});
