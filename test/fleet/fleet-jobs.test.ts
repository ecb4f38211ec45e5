import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as grpc from '@grpc/grpc-js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { fillRandom } from '../helpers/fill-redis.js';
import { AGENT_TOKEN, TestFleet } from '../helpers/fleet-fixture.js';
import { openRawSession } from '../helpers/raw-agent.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const SPECIAL_TOKEN = 'special-agent-token-0123456789';

describe('jobs, protocol and limits', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({
      limits: { maxMessageBytes: 1024 * 1024 },
      auth: { adminToken: '${REDBACK_ADMIN_TOKEN}', agentToken: '${REDBACK_AGENT_TOKEN}', agentTokens: { special: SPECIAL_TOKEN } },
    });
    await fleet.startCoordinator();
    await fleet.startAgent(await fleet.addAgent('busy'));
    await fleet.startAgent(await fleet.addAgent('idle'));
  }, 60_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  const job = async (id: string) => (await runCliJson(['jobs', '--json', '--limit', '200'], { env: fleet.env })).json.find((j: { jobId: string }) => j.jobId === id);

  it('a job whose result was lost with the coordinator is answered from the agent\'s record, not run twice', async () => {
    const agent = fleet.agents[0]!;
    await fillRandom(agent.redis.client(), 700, 256 * 1024, 'big'); // ~180 MB: the copy takes a while
    const { json: started } = await runCliJson(['backup', '--instance', 'busy/main', '--json'], { env: fleet.env });
    await agent.process!.waitForLog((l) => l.msg === 'bgsave finished');
    await fleet.coordinator!.kill9();
    await agent.process!.waitForLog((l) => l.msg === 'copy complete', 60_000);
    await fleet.startCoordinator();
    await agent.process!.waitForLog((l) => l.msg === 'job already executed; answering from the record' && l.jobId === started.jobId, 30_000);
    await waitFor(async () => (await job(started.jobId))?.state === 'succeeded', 10_000, 200);
    const local = await runCliJson(['agent', 'list', '--config', agent.config, '--json']);
    expect(local.json.copies.filter((c: { tier: string }) => c.tier === 'manual')).toHaveLength(1);
    await agent.redis.client().flushall();
  }, 120_000);

  it('a job for an agent that is away stays queued, then times out; status reports it (exit 14)', async () => {
    const agent = fleet.agents[1]!;
    await agent.process!.stop();
    const { json: queued } = await runCliJson(['backup', '--instance', 'idle/main', '--timeout', '2s', '--json'], { env: fleet.env });
    expect(queued.state).toBe('queued');
    await waitFor(async () => (await job(queued.jobId))?.state === 'timed-out', 10_000, 250);
    const status = await runCliJson(['status', '--json'], { env: fleet.env });
    expect(status.code).toBe(14);
    expect(status.json.failedJobs.map((j: { jobId: string }) => j.jobId)).toContain(queued.jobId);
  });

  it('a cancelled job is never sent to the agent', async () => {
    const agent = fleet.agents[1]!;
    const { json: queued } = await runCliJson(['backup', '--instance', 'idle/main', '--json'], { env: fleet.env });
    const cancelled = await runCli(['cancel', queued.jobId], { env: fleet.env });
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toMatch(/cancelled/);
    await fleet.startAgent(agent);
    await new Promise((r) => setTimeout(r, 1500));
    const local = await runCliJson(['agent', 'list', '--config', agent.config, '--json']);
    expect(local.json.copies).toHaveLength(0);
    expect((await job(queued.jobId)).state).toBe('cancelled');
  });

  it('an agent speaking another protocol version is refused with a message that says so', async () => {
    const raw = openRawSession(fleet.address, AGENT_TOKEN, 'future-agent');
    raw.hello(99);
    const status = await raw.status;
    raw.close();
    expect(status.code).toBe(grpc.status.FAILED_PRECONDITION);
    expect(status.details).toMatch(/protocol version 99.*speaks 1/);
  });

  it('per-agent tokens: the agent must use its own token, not the shared one', async () => {
    const shared = openRawSession(fleet.address, AGENT_TOKEN, 'special');
    shared.hello();
    expect((await shared.status).code).toBe(grpc.status.UNAUTHENTICATED);
    shared.close();
    const own = openRawSession(fleet.address, SPECIAL_TOKEN, 'special');
    own.hello();
    await waitFor(() => own.received.some((m) => m.body === 'welcome'), 5000);
    own.close();
  });

  it('messages over the size limit are refused', async () => {
    const raw = openRawSession(fleet.address, AGENT_TOKEN, 'oversized');
    raw.hello(1, { hostname: 'x'.repeat(2 * 1024 * 1024) });
    expect((await raw.status).code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    raw.close();
  });

  it('an agent that stops reading its session does not stall the others', async () => {
    const stuck = openRawSession(fleet.address, AGENT_TOKEN, 'stuck');
    stuck.hello();
    await waitFor(() => stuck.received.length > 0, 5000);
    stuck.stream.pause();
    const started = Date.now();
    const r = await runCli(['backup', '--instance', 'idle/main', '--wait'], { env: fleet.env });
    expect(r.code).toBe(0);
    expect(Date.now() - started).toBeLessThan(15_000);
    stuck.close();
  });
});
