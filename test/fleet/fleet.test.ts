import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../helpers/cli.js';
import { ADMIN_TOKEN, TestFleet } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface BackupJson {
  id: string;
  agentId: string;
  instance: string;
  tier: string;
  state: string;
  locations: Array<{ kind: string; state: string }>;
}

describe('a coordinator and three agents (separate processes, real redis-servers)', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({
      // A fast fleet schedule (6 fields: every 2 s), pushed to every agent.
      schedules: { defaults: { hourly: '*/2 * * * * *', daily: null } },
    });
    await fleet.startCoordinator();
    for (const id of ['agent-1', 'agent-2', 'agent-3']) await fleet.startAgent(await fleet.addAgent(id));
  }, 120_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  const backups = async (): Promise<BackupJson[]> => (await runCliJson<BackupJson[]>(['backups', '--json'], { env: fleet.env })).json;

  it('agents connect; their scheduled copies appear in `redback backups --json`', async () => {
    const agents = await runCliJson(['agents', '--json'], { env: fleet.env });
    expect(agents.json.map((a: { agentId: string }) => a.agentId).sort()).toEqual(['agent-1', 'agent-2', 'agent-3']);
    expect(agents.json.every((a: { liveness: string }) => a.liveness === 'online')).toBe(true);
    await waitFor(async () => {
      const list = await backups();
      return ['agent-1', 'agent-2', 'agent-3'].every((id) => list.some((b) => b.agentId === id && b.tier === 'hourly' && b.state === 'present'));
    }, 30_000, 500);
    const table = await runCli(['backups'], { env: fleet.env });
    expect(table.stdout).toMatch(/INSTANCE\s+AGENT\s+TIER/);
  });

  it('heartbeats carry each instance\'s health, newest copies and free backup space', async () => {
    await waitFor(async () => {
      const { json } = await runCliJson(['instances', '--json'], { env: fleet.env });
      return json.length === 3 && json.every((i: { up: boolean; newestHourlyAt: string }) => i.up && i.newestHourlyAt);
    }, 15_000, 300);
    const { json: instances } = await runCliJson(['instances', '--json'], { env: fleet.env });
    for (const i of instances) {
      expect(i.role).toBe('master');
      expect(i.dbsize).toBe(80); // fillAllTypes: 8 types × 5 keys in each of databases 0 and 3
      expect(i.usedMemory).toBeGreaterThan(0);
      expect(i.rdbLastBgsaveStatus).toBe('ok');
      expect(i.protected).toBe(true);
    }
    const { json: agents } = await runCliJson(['agents', '--json'], { env: fleet.env });
    expect(agents.every((a: { backupFreeBytes: number }) => a.backupFreeBytes > 0)).toBe(true);
    const status = await runCli(['status'], { env: fleet.env });
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/^OK: 3\/3 agents online, 3\/3 instances protected/);
  });

  it('`redback backup --instance X --wait` runs a job on the right agent', async () => {
    const r = await runCli(['backup', '--instance', 'agent-2/main', '--wait'], { env: fleet.env });
    expect(r.stderr).toMatch(/succeeded/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^copy \S+ \(manual\)/);
    const list = await backups();
    expect(list.some((b) => b.agentId === 'agent-2' && b.tier === 'manual' && b.state === 'present')).toBe(true);
    const jobs = await runCliJson(['jobs', '--json'], { env: fleet.env });
    expect(jobs.json.some((j: { type: string; state: string; agentId: string }) => j.type === 'snapshot' && j.state === 'succeeded' && j.agentId === 'agent-2')).toBe(true);
    // An ambiguous bare name is refused with a hint.
    const ambiguous = await runCli(['backup', '--instance', 'main'], { env: fleet.env });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toMatch(/ambiguous/);
  });

  it('agents keep copying while the coordinator is down; after its restart the catalog has every copy', async () => {
    await fleet.coordinator!.kill9();
    const downAt = new Date().toISOString();
    // Each agent keeps its cached schedule: wait for a scheduled copy made while the coordinator is gone.
    for (const agent of fleet.agents) {
      await agent.process!.waitForLog((l) => l.msg === 'scheduled copy done' && typeof l.time === 'string' && l.time > downAt, 20_000);
    }
    await fleet.startCoordinator();
    for (const agent of fleet.agents) {
      await agent.process!.waitForLog((l) => l.msg === 'connected to coordinator' && typeof l.time === 'string' && l.time > downAt, 30_000);
    }
    // Every copy on an agent's disk is in the catalog (copies the 2 s schedule makes while this
    // check runs are only required once they are older than the catalog listing).
    await waitFor(async () => {
      const listedAt = Date.now() - 1000;
      const list = await backups();
      let complete = true;
      for (const agent of fleet.agents) {
        const local = await runCliJson(['agent', 'list', '--config', agent.config, '--json']);
        for (const copy of local.json.copies as Array<{ id: string; createdAt: string }>) {
          if (Date.parse(copy.createdAt) > listedAt) continue;
          if (!list.some((b) => b.agentId === agent.id && b.id === copy.id && b.state === 'present')) complete = false;
        }
      }
      return complete;
    }, 30_000, 500);
    const list = await backups();
    for (const agent of fleet.agents) {
      expect(list.some((b) => b.agentId === agent.id && b.tier === 'hourly' && b.state === 'present' && b.id > downAt.replace(/[-:]/g, '').slice(0, 15))).toBe(true);
    }
  }, 120_000);

  it('a killed agent shows as stale, then offline, in `redback status` (exit 14)', async () => {
    const victim = fleet.agents[2]!;
    await victim.process!.kill9();
    await waitFor(async () => {
      const s = await runCliJson(['status', '--json'], { env: fleet.env });
      return s.json.silentAgents.some((a: { agentId: string; liveness: string }) => a.agentId === victim.id && a.liveness === 'stale');
    }, 10_000, 200);
    await waitFor(async () => {
      const s = await runCliJson(['status', '--json'], { env: fleet.env });
      return s.code === 14 && s.json.silentAgents.some((a: { agentId: string; liveness: string }) => a.agentId === victim.id && a.liveness === 'offline');
    }, 30_000, 300);
    const table = await runCli(['status'], { env: fleet.env });
    expect(table.code).toBe(14);
    expect(table.stdout).toMatch(/silent agents/);
    expect(table.stdout).toMatch(new RegExp(`${victim.id}\\s+offline`));
    await fleet.startAgent(victim);
  }, 90_000);

  it('a wrong admin token is refused with exit 12 and logged', async () => {
    const r = await runCli(['agents'], { env: { ...fleet.env, REDBACK_TOKEN: 'not-the-token-at-all' } });
    expect(r.code).toBe(12);
    expect(r.stderr).toMatch(/wrong admin token/);
    await fleet.coordinator!.waitForLog((l) => l.msg === 'rejected call' && l.reason === 'bad-admin-token');
    expect(fleet.coordinator!.output()).not.toContain('not-the-token-at-all');
    expect(fleet.coordinator!.output()).not.toContain(ADMIN_TOKEN);
  });

  it('an agent with a wrong token is refused and keeps retrying', async () => {
    const rogue = await fleet.addAgent('rogue', { token: 'wrong-agent-token-0123456789' });
    const proc = await fleet.startAgent(rogue, false);
    await proc.waitForLog((l) => l.msg === 'coordinator session ended' && /wrong token/.test(String(l.err ?? l.why)));
    await fleet.coordinator!.waitForLog((l) => l.msg === 'rejected call' && l.reason === 'bad-agent-token');
    const agents = await runCliJson(['agents', '--json'], { env: fleet.env });
    expect(agents.json.some((a: { agentId: string }) => a.agentId === 'rogue')).toBe(false);
    await proc.stop();
  });

  it('/metrics is served and says what Prometheus needs', async () => {
    const res = await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^redback_agent_up\{agent="agent-1"\} 1$/m);
    expect(text).toMatch(/^redback_backup_last_success_timestamp_seconds\{agent="agent-1",instance="main",tier="hourly"\} \d+/m);
    expect(text).toMatch(/^redback_heartbeats_total \d+/m);
    expect(text).toMatch(/^redback_rejected_calls_total\{reason="bad-admin-token"\} [1-9]/m);
  });
});
