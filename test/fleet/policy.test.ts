import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestFleet, type FleetAgent } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface PolicyJson {
  agentId: string;
  instance: string;
  policy: string;
  archive: boolean;
  state: string;
  configFile: string;
  settings: Array<{ key: string; want: string; actual: string; reported: boolean; drift: boolean }>;
}

interface ApplyJson {
  agentId: string;
  instance: string;
  state: string;
  dryRun: boolean;
  changes: Array<{ key: string; before: string; want: string; after: string | null }>;
  persisted: boolean | null;
  warnings: string[];
  error?: { code: string; message: string; hint: string };
}

const KEYS = ['save', 'appendonly', 'appendfsync', 'aof-timestamp-enabled', 'aof-use-rdb-preamble'];

const POLICIES = {
  default: { save: ['3600 1', '300 100'], appendonly: 'yes', appendfsync: 'everysec', 'aof-use-rdb-preamble': 'yes' },
  groups: { critical: { appendfsync: 'always', 'aof-timestamp-enabled': 'yes', archive: true } },
  assign: [{ instance: 'agent-b/*', policy: 'critical' }],
};

describe('persistence policy on a fleet of two agents with different settings (real processes)', { timeout: 120_000 }, () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  let a: FleetAgent;
  let b: FleetAgent;

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({ policies: POLICIES });
    await fleet.startCoordinator();
    // agent-a: RDB off, AOF off; agent-b: AOF on with appendfsync no.
    a = await fleet.addAgent('agent-a', { redis: { appendonly: false, extraConfig: ['enable-debug-command local'] } });
    b = await fleet.addAgent('agent-b', { redis: { appendonly: true, appendfsync: 'no', extraConfig: ['enable-debug-command local'] } });
    await fleet.startAgent(a);
    await fleet.startAgent(b);
  }, 120_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  const show = async (): Promise<PolicyJson[]> => (await runCliJson<PolicyJson[]>(['policy', 'show', '--json'], { env: fleet.env })).json;
  const settingsOf = async (agent: FleetAgent): Promise<Record<string, string>> => {
    const out: Record<string, string> = {};
    for (const key of KEYS) out[key] = ((await agent.redis.client().call('CONFIG', 'GET', key)) as string[])[1]!;
    return out;
  };
  const driftOf = (views: PolicyJson[], agentId: string) =>
    Object.fromEntries(views.find((v) => v.agentId === agentId)!.settings.map((s) => [s.key, s.drift ? `${s.actual} -> ${s.want}` : 'ok']));
  const metric = async (agent: string) => {
    const text = await (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();
    return new RegExp(`^redback_policy_drift\\{agent="${agent}",instance="main"\\} (\\d)$`, 'm').exec(text)?.[1];
  };

  it('policy show --json: each instance against its policy, drift marked', async () => {
    await waitFor(async () => (await show()).every((v) => v.state !== 'unknown'), 15_000, 300);
    const views = await show();
    expect(views.map((v) => [v.agentId, v.policy, v.state, v.archive])).toEqual([
      ['agent-a', 'default', 'drift', false],
      ['agent-b', 'critical', 'drift', true],
    ]);
    expect(driftOf(views, 'agent-a')).toEqual({
      save: ' -> 3600 1 300 100',
      appendonly: 'no -> yes',
      appendfsync: 'ok',
      'aof-use-rdb-preamble': 'ok',
    });
    expect(driftOf(views, 'agent-b')).toEqual({
      save: ' -> 3600 1 300 100',
      appendonly: 'ok',
      appendfsync: 'no -> always',
      'aof-use-rdb-preamble': 'ok',
      'aof-timestamp-enabled': 'no -> yes',
    });
    expect(views.every((v) => v.configFile.endsWith('redis.conf'))).toBe(true);

    const table = await runCli(['policy', 'show'], { env: fleet.env });
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/agent-b\/main\s+critical \(archive\)\s+save/);
    expect(table.stdout).toMatch(/appendfsync\s+no\s+always\s+DRIFT/);
    expect(table.stdout).toMatch(/2 instance\(s\): 2 drift, 0 not reported/);

    const status = await runCli(['status'], { env: fleet.env });
    expect(status.stdout).toMatch(/warning: 2 instance\(s\) drift from their persistence policy/);
    expect(status.stdout).toMatch(/agent-b\/main drifts from policy "critical": .*appendfsync no \(want always\)/);
    expect(await metric('agent-a')).toBe('1');
    expect(await metric('agent-b')).toBe('1');
  });

  it('policy apply --dry-run lists the changes and changes nothing; without --yes nothing changes either', async () => {
    const before = [await settingsOf(a), await settingsOf(b)];
    const confs = [readFileSync(a.redis.confPath, 'utf8'), readFileSync(b.redis.confPath, 'utf8')];
    const dry = await runCliJson<ApplyJson[]>(['policy', 'apply', '--all', '--dry-run', '--json'], { env: fleet.env });
    expect(dry.code).toBe(0);
    const byAgent = Object.fromEntries(dry.json.map((r) => [r.agentId, r]));
    expect(byAgent['agent-a']!.dryRun).toBe(true);
    expect(byAgent['agent-a']!.changes.map((c) => [c.key, c.before, c.want])).toEqual([
      ['save', '', '3600 1 300 100'],
      ['appendonly', 'no', 'yes'], // last: its AOF rewrite uses the settings set before it
    ]);
    expect(byAgent['agent-b']!.changes.map((c) => [c.key, c.before, c.want])).toEqual([
      ['save', '', '3600 1 300 100'],
      ['appendfsync', 'no', 'always'],
      ['aof-timestamp-enabled', 'no', 'yes'],
    ]);
    const table = await runCli(['policy', 'apply', '--all'], { env: fleet.env });
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/dry run: 5 setting\(s\) would change on 2 instance\(s\); nothing was changed/);
    expect(table.stderr).toMatch(/policy apply changes running servers: nothing was changed/);
    expect(table.stderr).toMatch(/--yes/);
    expect([await settingsOf(a), await settingsOf(b)]).toEqual(before);
    expect([readFileSync(a.redis.confPath, 'utf8'), readFileSync(b.redis.confPath, 'utf8')]).toEqual(confs);
  });

  it('policy apply --all --yes changes them, rewrites redis.conf, keeps the data, and the drift is gone', async () => {
    const digests = [await a.redis.client().call('DEBUG', 'DIGEST'), await b.redis.client().call('DEBUG', 'DIGEST')];
    const r = await runCliJson<ApplyJson[]>(['policy', 'apply', '--all', '--yes', '--json'], { env: fleet.env });
    expect(r.code).toBe(0);
    for (const result of r.json) {
      expect(result.state).toBe('succeeded');
      expect(result.persisted).toBe(true);
      for (const c of result.changes) expect(c.after).toBe(c.want);
    }
    expect(r.json.find((x) => x.agentId === 'agent-a')!.warnings.join('\n')).toMatch(/appendonly yes: Redis rewrites the AOF/);

    const confA = readFileSync(a.redis.confPath, 'utf8');
    expect(confA).toMatch(/^appendonly yes$/m);
    expect(confA).toMatch(/^save 3600 1$/m);
    expect(confA).toMatch(/^save 300 100$/m);
    const confB = readFileSync(b.redis.confPath, 'utf8');
    expect(confB).toMatch(/^appendfsync always$/m);
    expect(confB).toMatch(/^aof-timestamp-enabled yes$/m);

    expect(await settingsOf(a)).toMatchObject({ save: '3600 1 300 100', appendonly: 'yes', appendfsync: 'everysec' });
    expect(await settingsOf(b)).toMatchObject({ save: '3600 1 300 100', appendonly: 'yes', appendfsync: 'always', 'aof-timestamp-enabled': 'yes' });
    const info = (await a.redis.client().call('INFO', 'persistence')) as string;
    expect(info).toMatch(/aof_enabled:1/);
    expect(info).toMatch(/aof_last_bgrewrite_status:ok/);
    expect([await a.redis.client().call('DEBUG', 'DIGEST'), await b.redis.client().call('DEBUG', 'DIGEST')]).toEqual(digests);

    await waitFor(async () => (await show()).every((v) => v.state === 'ok'), 10_000, 300);
    const status = await runCli(['status'], { env: fleet.env });
    expect(status.stdout).not.toMatch(/drift/);
    await waitFor(async () => (await metric('agent-a')) === '0' && (await metric('agent-b')) === '0', 5_000, 200);

    // the table for people says what changed and that redis.conf was rewritten; nothing left to do
    const again = await runCli(['policy', 'apply', '--instance', 'agent-a/main', '--yes'], { env: fleet.env });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/agent-a\/main\s+-\s+-\s+-\s+matches the policy/);
  });

  it('an instance whose agent is not connected is skipped, not queued', async () => {
    await a.process!.stop();
    await waitFor(async () => {
      const { json } = await runCliJson<Array<{ agentId: string; connectedSince: string }>>(['agents', '--json'], { env: fleet.env });
      return json.find((x) => x.agentId === 'agent-a')!.connectedSince === '';
    }, 10_000, 200);
    const all = await runCliJson<ApplyJson[]>(['policy', 'apply', '--all', '--dry-run', '--json'], { env: fleet.env });
    expect(all.code).toBe(0);
    expect(all.json.map((r) => r.agentId)).toEqual(['agent-b']);
    expect(all.stderr).toMatch(/1 instance\(s\) skipped: agent-a\/main: agent not connected/);
    const one = await runCli(['policy', 'apply', '--instance', 'agent-a/main', '--dry-run'], { env: fleet.env });
    expect(one.code).toBe(13);
    expect(one.stderr).toMatch(/policy apply cannot run now: agent-a\/main: agent not connected/);
    await fleet.startAgent(a);
  });

  it('a policy setting the server does not know: a clear error (exit 5) and nothing changes', async () => {
    // The operator adds a setting of a newer Redis to the critical group and restarts the coordinator.
    await fleet.coordinator!.stop();
    const future = { ...POLICIES, groups: { critical: { ...POLICIES.groups.critical, appendfsync: 'everysec', other: { 'aof-load-corrupt-tail-max-size': 1024 } } } };
    await fleet.writeCoordinatorConfig({ policies: future });
    await fleet.startCoordinator();
    await waitFor(async () => (await show()).every((v) => v.state !== 'unknown'), 20_000, 300);
    const b1 = (await show()).find((v) => v.agentId === 'agent-b')!;
    expect(b1.state).toBe('drift');
    expect(b1.settings.find((s) => s.key === 'aof-load-corrupt-tail-max-size')).toMatchObject({ reported: false, drift: true });

    const before = await settingsOf(b);
    const conf = readFileSync(b.redis.confPath, 'utf8');
    const r = await runCli(['policy', 'apply', '--instance', 'agent-b/main', '--yes'], { env: fleet.env });
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/redis main \(7\.[\d.]+\) does not know "aof-load-corrupt-tail-max-size"; nothing was changed/);
    expect(r.stderr).toMatch(/remove the setting from the policy/);
    // appendfsync (always -> everysec) would have been a valid change, but nothing was set
    expect(await settingsOf(b)).toEqual(before);
    expect(readFileSync(b.redis.confPath, 'utf8')).toBe(conf);
    const status = await runCli(['status'], { env: fleet.env });
    expect(status.stdout).toMatch(/aof-load-corrupt-tail-max-size unknown to this Redis/);
  });
});
