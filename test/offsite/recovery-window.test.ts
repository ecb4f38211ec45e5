import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWindow, recoveryWindow } from '../../shared/offsite/recovery-window.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { AGENT_TOKEN, TestFleet } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('recovery window (archive spans to the second + nightly sets, gaps excluded)', () => {
  it('is computed from spans and set times', () => {
    const w = recoveryWindow(
      [
        { from: 1_800_000_100, to: 1_800_000_500, epoch: 'E2' },
        { from: 1_800_000_000, to: 1_800_000_050, epoch: 'E1' },
      ],
      ['2027-01-15T07:00:00Z', '2027-01-14T07:00:00.000Z'],
    );
    expect(w.spans.map((s) => s.epoch)).toEqual(['E1', 'E2']);
    expect(w.gaps).toEqual([{ from: 1_800_000_051, to: 1_800_000_099 }]);
    expect(w.from).toBe('2027-01-14T07:00:00Z');
    expect(w.to).toBe(new Date(1_800_000_500_000).toISOString().replace('.000Z', 'Z'));
    expect(describeWindow(w)).toMatch(/^to the second .* \(1 gap\); 2 nightly sets 2027-01-14T07:00:00Z … 2027-01-15T07:00:00Z$/);
    expect(recoveryWindow([], []).from).toBeNull();
    expect(describeWindow(recoveryWindow([], []))).toBe('nothing restorable');
  });
});

/**
 * The agent's archiver reports its coverage in heartbeats; the coordinator stores the window in
 * its catalog and `redback instances` shows it (table and --json).
 */
describe('recovery window through the coordinator (coordinator + agent + redis-server processes)', () => {
  const tmp = makeTempDir('redback-window-');
  const fleet = new TestFleet(tmp.path);
  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  it('redback instances shows the archive coverage as the recovery window', async () => {
    await fleet.writeCoordinatorConfig();
    await fleet.startCoordinator();
    const agent = await fleet.addAgent('agent-1', { redis: { appendonly: true, extraConfig: ['aof-timestamp-enabled yes'] } });
    writeAgentConfig(
      tmp.path,
      {
        agentId: 'agent-1',
        backupDir: agent.backupDir,
        coordinator: { address: fleet.address, token: AGENT_TOKEN, reconnectMaxDelay: '2s' },
        schedules: { hourly: null, daily: null },
        offsite: { type: 'local', path: join(tmp.path, 'offsite'), prefix: 'redback' },
        instances: [{ name: 'main', url: agent.redis.url, configFile: agent.redis.confPath, control: { type: 'process' }, archive: { interval: '1s' } }],
      },
      'agent-agent-1.yaml',
    );
    await fleet.startAgent(agent);
    const c = agent.redis.client();
    for (let i = 0; i < 3; i++) {
      await c.set(`w:${i}`, String(i));
      await new Promise((r) => setTimeout(r, 1100));
    }

    type Row = { name: string; recoveryWindow: { from: string; to: string; spans: Array<{ fromTs: number; toTs: number; epoch: string }>; setCount: number } | null };
    let row: Row | undefined;
    await waitFor(async () => {
      const r = await runCliJson<Row[]>(['instances', '--json'], { env: fleet.env });
      row = r.json.find((i) => i.name === 'main');
      return (row?.recoveryWindow?.spans.length ?? 0) > 0 && row!.recoveryWindow!.spans[0]!.toTs > row!.recoveryWindow!.spans[0]!.fromTs;
    }, 60_000, 500);
    const w = row!.recoveryWindow!;
    expect(w.spans[0]!.epoch).toMatch(/^E000001-/);
    expect(w.from).toBe(new Date(w.spans[0]!.fromTs * 1000).toISOString().replace('.000Z', 'Z'));
    expect(new Date(w.to).getTime()).toBeGreaterThan(new Date(w.from).getTime());
    expect(w.setCount).toBe(0);

    const table = await runCli(['instances'], { env: fleet.env });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/RECOVERY WINDOW/);
    expect(table.stdout).toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z … \S+ to the second/);

    // redback restore --before: the archive is the source; the dry run shows the window and the exact time
    const at = new Date(w.spans[0]!.toTs * 1000).toISOString().replace('.000Z', 'Z');
    const dry = await runCli(['restore', '--instance', 'agent-1/main', '--before', at, '--dry-run'], { env: fleet.env, timeoutMs: 120_000 });
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(new RegExp(`source\\s+AOF archive of agent-1/main at ${at.replace('Z', '')}`));
    expect(dry.stdout).toMatch(/note\s+recovery window: to the second \S+ … \S+; 0 nightly sets/);
    expect(dry.stdout).toMatch(new RegExp(`note\\s+the data will reflect ${at}: every write up to and including that second`));
    expect(dry.stdout).toMatch(/runbook\s+restore-offsite/);
    const latestDry = await runCli(['restore', '--instance', 'agent-1/main', '--before', 'latest', '--dry-run', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(latestDry.code, latestDry.stdout + latestDry.stderr).toBe(0);
    expect(JSON.parse(latestDry.stdout).source.kind).toBe('archive');
    const outside = await runCli(['restore', '--instance', 'agent-1/main', '--before', '2001-01-01T00:00:00Z', '--dry-run'], { env: fleet.env, timeoutMs: 120_000 });
    expect(outside.code, outside.stdout + outside.stderr).not.toBe(0);

    const run = await runCli(['restore', '--instance', 'agent-1/main', '--before', at, '--yes'], { env: fleet.env, timeoutMs: 180_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const after = agent.redis.client();
    expect(await after.get('w:0')).toBe('0');
    await fleet.stopControlledRedis();
  }, 300_000);
});
