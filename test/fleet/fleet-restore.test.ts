import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TIERS } from '../../shared/manifest/copy-manifest.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestFleet, type FleetAgent } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A short-lived client (the agents stop and start these servers during restores). */
async function withRedis<T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null, lazyConnect: true });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

const digest = (a: FleetAgent) => withRedis(a.redis.port, async (c) => String(await c.call('DEBUG', 'DIGEST')));
const runId = (a: FleetAgent) => withRedis(a.redis.port, async (c) => /run_id:(\w+)/.exec(await c.info('server'))![1]!);
const dbsize = (a: FleetAgent, db = 0) =>
  withRedis(a.redis.port, async (c) => {
    await c.select(db);
    return c.dbsize();
  });

/** Writes keys the copies taken before do not have (so a restore must remove them). */
async function scribble(a: FleetAgent, tag: string): Promise<void> {
  await withRedis(a.redis.port, async (c) => {
    for (let i = 0; i < 20; i++) await c.set(`${tag}:later:${i}`, 'written after the copy');
    await c.del('agent-1:str:0', 'agent-2:str:0');
  });
}

/** Stops Redis without a save, as a crash would leave it. */
async function crash(a: FleetAgent): Promise<void> {
  await withRedis(a.redis.port, (c) => c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined)).catch(() => undefined);
  await waitFor(async () => !(await withRedis(a.redis.port, (c) => c.ping()).then(() => true, () => false)), 10_000, 100);
}

interface JobJson {
  jobId: string;
  type: string;
  state: string;
  agentId: string;
  instance: string;
  errorCode: string;
  result: any;
}

/**
 * Restores and recoveries driven from the coordinator (issue 9): a coordinator and two agents as
 * separate processes, each agent with its own redis-server (AOF on, DEBUG DIGEST enabled), and a
 * local-directory offsite target. Every restore is checked with DEBUG DIGEST against the data as
 * it was when the copy was taken.
 */
describe('redback restore / recover through the coordinator (coordinator + 2 agents + redis-servers)', () => {
  const tmp = makeTempDir('redback-fleet-restore-');
  const fleet = new TestFleet(tmp.path);
  const store = join(tmp.path, 'store');
  let a1: FleetAgent;
  let a2: FleetAgent;
  const env = () => fleet.env;
  const redis = { appendonly: true, extraConfig: ['enable-debug-command yes'] };

  const backup = async (instance: string): Promise<string> => {
    const r = await runCliJson<JobJson>(['backup', '--instance', instance, '--wait', '--json'], { env: env() });
    expect(r.code, r.stderr).toBe(0);
    return r.json.result.manifest.id as string;
  };
  const jobs = async (): Promise<JobJson[]> => (await runCliJson<JobJson[]>(['jobs', '--json', '--limit', '200'], { env: env() })).json;

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({ offsite: { type: 'local', path: store, prefix: 'fleet', schedule: '0 2 1 1 *', catchUpAfter: null, pruneAfterUpload: false } });
    await fleet.startCoordinator();
    a1 = await fleet.addAgent('agent-1', { redis });
    a2 = await fleet.addAgent('agent-2', { redis });
    await fleet.startAgent(a1);
    await fleet.startAgent(a2);
    await waitFor(async () => (await runCliJson<unknown[]>(['instances', '--json'], { env: env() })).json.length === 2, 20_000, 200);
  }, 120_000);

  afterAll(async () => {
    await fleet.stopControlledRedis();
    await fleet.stop();
    tmp.cleanup();
  }, 150_000);

  it('restores from the host\'s own local copy: every key back (DEBUG DIGEST), the job in the catalog with steps, source, keys, duration', async () => {
    const copy = await backup('agent-1/main');
    const before = await digest(a1);
    await scribble(a1, 'one');
    expect(await digest(a1)).not.toBe(before);

    const r = await runCli(['restore', '--instance', 'agent-1/main', '--yes'], { env: env(), timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Restore plan: agent-1\/main/);
    expect(r.stdout).toContain(`local copy on agent-1 ${copy}`);
    expect(r.stdout).toMatch(/restore agent-1\/main: SUCCEEDED/);
    // the steps as the agent runs them
    expect(r.stderr).toMatch(/^\[\d+\/\d+\] fetch-and-verify: /m);
    expect(r.stderr).toMatch(/^\[\d+\/\d+\] enable-aof: done/m);
    expect(await digest(a1)).toBe(before);
    expect(await withRedis(a1.redis.port, (c) => c.config('GET', 'appendonly'))).toEqual(['appendonly', 'yes']);

    const job = (await jobs()).find((j) => j.type === 'restore' && j.state === 'succeeded' && j.result?.dryRun === false)!;
    expect(job).toBeDefined();
    expect(job.result).toMatchObject({ kind: 'restore', status: 'succeeded', runbook: 'restore-local', source: { kind: 'local-copy', id: copy } });
    expect(job.result.keysRestored).toEqual({ '0': 40, '3': 40 });
    expect(job.result.keys).toBe(80);
    expect(job.result.durationMs).toBeGreaterThan(0);
    expect(job.result.dataLoss.since).toBeTruthy();
    expect(job.result.steps.map((s: { name: string }) => s.name)).toEqual(expect.arrayContaining(['preflight', 'fetch-and-verify', 'stop-redis', 'move-aside', 'place-rdb', 'enable-aof']));
    expect(job.result.steps.every((s: { status: string }) => s.status === 'done')).toBe(true);
    // pre-flight on the target before anything is stopped
    const names = job.result.steps.map((s: { name: string }) => s.name) as string[];
    expect(names.indexOf('preflight')).toBeLessThan(names.indexOf('stop-redis'));
    expect(names[0]).toBe('preflight');
    const table = await runCli(['jobs'], { env: env() });
    expect(table.stdout).toContain(job.jobId);
  }, 240_000);

  it('--dry-run prints the plan and changes nothing; without --yes on a non-terminal it refuses (exit 9) and changes nothing', async () => {
    await scribble(a1, 'two');
    const digestBefore = await digest(a1);
    const runBefore = await runId(a1);
    const quarantine = join(a1.redis.dir, 'redback-quarantine');
    const asideBefore = existsSync(quarantine) ? readdirSync(quarantine).length : 0;

    const dry = await runCli(['restore', '--instance', 'agent-1/main', '--dry-run'], { env: env(), timeoutMs: 120_000 });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/source\s+local copy on agent-1 \S+, snapshot \S+ \(/);
    expect(dry.stdout).toMatch(/data lost\s+the writes since \S+ \(/);
    expect(dry.stdout).toMatch(/size\s+[\d.]+ \w+, /);
    expect(dry.stdout).toMatch(/target\s+agent-1\/main/);
    expect(dry.stdout).toMatch(/\d+\. preflight: /);
    expect(dry.stdout).toMatch(/dry run: nothing was changed/);
    const json = await runCliJson(['restore', '--instance', 'agent-1/main', '--dry-run', '--json'], { env: env(), timeoutMs: 120_000 });
    expect(json.json).toMatchObject({ instance: 'agent-1/main', target: 'agent-1/main', source: { kind: 'local' } });
    expect(json.json.dryRun.result.plan.steps.length).toBeGreaterThan(5);
    expect(json.json.dataLossSeconds).toBeGreaterThanOrEqual(0);

    const refused = await runCli(['restore', '--instance', 'agent-1/main'], { env: env(), timeoutMs: 120_000 });
    expect(refused.code, refused.stdout + refused.stderr).toBe(9);
    expect(refused.stderr).toMatch(/stdin is not a terminal/);
    expect(refused.stderr).toMatch(/HINT: .*--yes/);
    const refusedRecover = await runCli(['recover', '--instance', 'agent-1/main'], { env: env(), timeoutMs: 120_000 });
    // healthy: nothing to recover, nothing asked
    expect(refusedRecover.code, refusedRecover.stdout + refusedRecover.stderr).toBe(0);
    expect(refusedRecover.stdout).toMatch(/nothing to recover/);

    expect(await runId(a1)).toBe(runBefore);
    expect(await digest(a1)).toBe(digestBefore);
    expect(existsSync(quarantine) ? readdirSync(quarantine).length : 0).toBe(asideBefore);
    const open = (await jobs()).filter((j) => j.type === 'restore' && j.result?.dryRun === false);
    expect(open).toHaveLength(1); // only the first test's restore ran
  }, 240_000);

  it('--before TIME picks the newest copy at or before it', async () => {
    const older = await backup('agent-1/main');
    const olderDigest = await digest(a1);
    await new Promise((r) => setTimeout(r, 2100)); // snapshot times have 1 s resolution
    const cut = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 2100));
    await scribble(a1, 'three');
    const newer = await backup('agent-1/main');
    expect(newer).not.toBe(older);

    const plan = await runCliJson(['restore', '--instance', 'agent-1/main', '--before', cut, '--dry-run', '--json'], { env: env(), timeoutMs: 120_000 });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.json.source.id).toBe(older);
    const latest = await runCliJson(['restore', '--instance', 'agent-1/main', '--dry-run', '--json'], { env: env(), timeoutMs: 120_000 });
    expect(latest.json.source.id).toBe(newer);

    const r = await runCli(['restore', '--instance', 'agent-1/main', '--before', cut, '--yes'], { env: env(), timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await digest(a1)).toBe(olderDigest);

    const tooEarly = await runCli(['restore', '--instance', 'agent-1/main', '--before', '2000-01-01T00:00:00Z', '--dry-run'], { env: env() });
    expect(tooEarly.code).toBe(4);
  }, 240_000);

  it('restores from offsite when the host\'s AOF, dump.rdb and local copies are gone', async () => {
    // the set takes the newest local copy: make it the data as it is now
    await backup('agent-1/main');
    const up = await runCli(['upload', '--instance', 'agent-1/main', '--wait'], { env: env(), timeoutMs: 120_000 });
    expect(up.code, up.stderr).toBe(0);
    const setDigest = await digest(a1);
    const keys3 = await dbsize(a1, 3);

    // the disaster: the agent and redis are down, the AOF, dump.rdb and every local copy are gone
    await a1.process!.stop();
    await crash(a1);
    rmSync(join(a1.redis.dir, 'appendonlydir'), { recursive: true, force: true });
    rmSync(join(a1.redis.dir, 'dump.rdb'), { force: true });
    for (const tier of TIERS) rmSync(join(a1.backupDir, 'main', tier), { recursive: true, force: true });
    await fleet.startAgent(a1);
    // the agent's inventory tells the catalog its copies are gone
    await waitFor(async () => (await runCliJson<Array<{ agentId: string; locations: Array<{ kind: string }> }>>(['backups', '--json'], { env: env() })).json.every((b) => b.agentId !== 'agent-1' || b.locations.every((l) => l.kind !== 'local')), 20_000, 300);

    const dry = await runCliJson(['restore', '--instance', 'agent-1/main', '--dry-run', '--json'], { env: env(), timeoutMs: 120_000 });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json.source.kind).toBe('offsite');
    expect(dry.json.dryRun.result.runbook).toBe('restore-offsite');

    const r = await runCli(['restore', '--instance', 'agent-1/main', '--yes', '--json'], { env: env(), timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(events[0].event).toBe('plan');
    expect(events.at(-1)).toMatchObject({ event: 'done', job: { type: 'restore', state: 'succeeded' } });
    // bytes while downloading
    expect(events.some((e) => e.event === 'job' && e.phase === 'fetch-and-verify' && e.total > 0)).toBe(true);
    expect(events.at(-1).job.result.source.kind).toBe('offsite');
    expect(await digest(a1)).toBe(setDigest);
    expect(await dbsize(a1, 3)).toBe(keys3);
  }, 240_000);

  // --source agent:ID (another agent's copy, relayed by the coordinator) is tested in transfer.test.ts.
  it('--target-instance restores X\'s data into Y on the other host (digest equal)', async () => {
    const xDigest = await digest(a1);
    expect(await digest(a2)).not.toBe(xDigest);

    const dry = await runCliJson(['restore', '--instance', 'agent-1/main', '--target-instance', 'agent-2/main', '--dry-run', '--json'], { env: env(), timeoutMs: 120_000 });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json).toMatchObject({ instance: 'agent-1/main', target: 'agent-2/main', source: { kind: 'offsite', agentId: 'agent-1', instance: 'main' } });

    const r = await runCli(['restore', '--instance', 'agent-1/main', '--target-instance', 'agent-2/main', '--yes'], { env: env(), timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await digest(a2)).toBe(xDigest);
    const job = (await jobs()).find((j) => j.type === 'restore' && j.agentId === 'agent-2' && j.result?.dryRun === false)!;
    expect(job.result.source).toMatchObject({ kind: 'offsite', from: { agentId: 'agent-1', instance: 'main' } });
  }, 240_000);

  it('`redback recover` through the coordinator brings back an instance whose data was destroyed', async () => {
    const copy = await backup('agent-2/main');
    const wanted = await digest(a2);
    await crash(a2);
    rmSync(join(a2.redis.dir, 'appendonlydir'), { recursive: true, force: true });
    rmSync(join(a2.redis.dir, 'dump.rdb'), { force: true });

    const dry = await runCli(['recover', '--instance', 'agent-2/main', '--dry-run'], { env: env(), timeoutMs: 120_000 });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Recovery plan: agent-2\/main/);
    expect(dry.stdout).toMatch(/runbook\s+restore-local/);
    expect(dry.stdout).toContain(copy);

    const r = await runCli(['recover', '--instance', 'agent-2/main', '--yes'], { env: env(), timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/recover agent-2\/main: SUCCEEDED/);
    expect(await digest(a2)).toBe(wanted);
    const job = (await jobs()).find((j) => j.type === 'recover' && j.result?.dryRun === false)!;
    expect(job.result).toMatchObject({ kind: 'recover', status: 'succeeded', runbook: 'restore-local', source: { kind: 'local-copy', id: copy } });
  }, 240_000);
});
