import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProtos } from '../../shared/proto/load.js';
import type { TransferChunk__Output } from '../../shared/proto/generated/redback/v1/TransferChunk.js';
import { authMetadata } from '../../shared/rpc/credentials.js';
import { CliProcess } from '../helpers/cli-process.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { fillRandom } from '../helpers/fill-redis.js';
import { AGENT_TOKEN, TestFleet, type FleetAgent } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * Copies moving between agents through the coordinator (issue 9 item 2): a coordinator and two
 * agent processes with their own redis-servers. Agent A holds the copies; B receives them.
 */
describe('copies between agents, relayed by the coordinator', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  let a: FleetAgent;
  let b: FleetAgent;

  const digest = async (agent: FleetAgent) => (await agent.redis.client().call('DEBUG', 'DIGEST')) as string;

  /** (Re)starts agent A, optionally with failpoints in its environment. */
  async function restartA(failpoints = ''): Promise<void> {
    await a.process?.kill9();
    const proc = new CliProcess(['agent', 'run', '--config', a.config], failpoints ? { REDBACK_FAILPOINT: failpoints } : {});
    a.process = proc;
    await proc.waitForLog((l) => l.msg === 'connected to coordinator', 90_000);
  }

  /** A fresh manual copy on A; returns its manifest once the catalog lists it. */
  async function copyOnA(): Promise<{ id: string; path: string; sha256: string; bytes: number }> {
    const r = await runCliJson(['backup', '--instance', 'A/main', '--wait', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const m = r.json.result.manifest;
    await waitFor(async () => (await runCliJson(['backups', '--instance', 'A/main', '--json'], { env: fleet.env })).json.some((x: { id: string }) => x.id === m.id), 60_000, 200);
    return m;
  }

  const listB = async () => (await runCliJson(['agent', 'list', '--config', b.config, '--json'])).json.copies as Array<{ id: string; tier: string; sha256: string; source: string; origin?: { agentId: string; instance: string }; path: string }>;
  const transferDirB = () => join(b.backupDir, '.agent', 'transfers');
  const leftovers = () => (existsSync(transferDirB()) ? readdirSync(transferDirB()) : []);

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig();
    await fleet.startCoordinator();
    const redis = { extraConfig: ['enable-debug-command yes'] };
    a = await fleet.addAgent('A', { redis });
    b = await fleet.addAgent('B', { redis });
    // ~13 MB: about 13 chunks of 1 MiB, so "half way" is well inside the transfer.
    await fillRandom(a.redis.client(), 200, 64 * 1024, 'big');
    // Generous waits: the machine is shared and the whole suite runs in parallel.
    for (const agent of [a, b]) await (await fleet.startAgent(agent, false)).waitForLog((l) => l.msg === 'connected to coordinator', 90_000);
  }, 240_000);

  afterAll(async () => {
    await fleet.stopControlledRedis();
    await fleet.stop();
    tmp.cleanup();
  });

  it('a copy moved from A to B arrives byte-identical, listed with its origin, and restores on B to the same DEBUG DIGEST', async () => {
    const expected = await digest(a);
    const m = await copyOnA();
    const r = await runCliJson(['copy', '--backup', m.id, '--to-agent', 'B', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.sourceAgentId).toBe('A');
    expect(r.json.manifest.id).toBe(m.id);
    const onB = (await listB()).find((c) => c.id === m.id)!;
    expect(onB).toMatchObject({ tier: 'manual', source: 'import', sha256: m.sha256, origin: { agentId: 'A', instance: 'main' } });
    expect(sha256(onB.path)).toBe(sha256(m.path));
    expect(leftovers()).toEqual([]);
    const human = await runCli(['agent', 'list', '--config', b.config]);
    expect(human.stdout).toMatch(new RegExp(`${m.id}.*from A/main`));
    // The catalog learns of B's copy (its inventory) and lists it at B too.
    await waitFor(async () => (await runCliJson(['backups', '--instance', 'B/main', '--json'], { env: fleet.env })).json.some((x: { id: string }) => x.id === m.id), 60_000, 200);

    expect(await digest(b)).not.toBe(expected);
    const restore = await runCli(['agent', 'recover', '--config', b.config, '--instance', 'main', '--backup', m.id, '--yes'], { timeoutMs: 120_000 });
    expect(restore.code, restore.stdout + restore.stderr).toBe(0);
    await waitFor(async () => (await digest(b).catch(() => '')) === expected, 60_000, 200);
  }, 240_000);

  it('killing the source agent mid-transfer fails cleanly (exit 18, no temp file, Redis on B untouched); a retry after restarting A succeeds', async () => {
    const m = await copyOnA();
    const before = await digest(b);
    await restartA('transfer:send:half');
    const cut = await runCli(['copy', '--backup', m.id, '--to-agent', 'B'], { env: fleet.env, timeoutMs: 120_000 });
    expect(cut.code, cut.stdout + cut.stderr).toBe(18);
    expect(cut.stderr).toMatch(/transfer failed: .*source agent A/);
    expect(cut.stderr).toMatch(/HINT: .*left as it was/);
    await a.process!.exited;
    // A died half way: the relay had passed some bytes on, not all.
    const failed = fleet.coordinator!.logs().filter((l) => l.msg === 'transfer failed').pop()!;
    expect(Number(failed.relayed)).toBeGreaterThan(0);
    expect(Number(failed.relayed)).toBeLessThan(m.bytes);
    expect(leftovers()).toEqual([]);
    expect((await listB()).some((c) => c.id === m.id)).toBe(false);
    expect(await digest(b)).toBe(before);

    await restartA();
    const retry = await runCliJson(['copy', '--backup', m.id, '--to-agent', 'B', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(retry.code, retry.stderr).toBe(0);
    const onB = (await listB()).find((c) => c.id === m.id)!;
    expect(sha256(onB.path)).toBe(m.sha256);
    expect(await digest(b)).toBe(before);
  }, 240_000);

  it("a third agent's identity cannot download another's transfer; a coordinator restart cuts it cleanly and a retry succeeds", async () => {
    const m = await copyOnA();
    await restartA('transfer:send:stall');
    const copying = runCli(['copy', '--backup', m.id, '--to-agent', 'B'], { env: fleet.env, timeoutMs: 120_000 });
    const created = await fleet.coordinator!.waitForLog((l) => l.msg === 'transfer created' && l.backup === m.id, 60_000);
    const transferId = String(created.transferId);

    const { transfer } = loadProtos();
    const client = new transfer.redback.v1.TransferService(fleet.address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
      Download(req: { transferId: string }, md: grpc.Metadata): grpc.ClientReadableStream<TransferChunk__Output>;
    };
    const attempt = (token: string, agentId: string) =>
      new Promise<grpc.ServiceError>((resolve, reject) => {
        const call = client.Download({ transferId }, authMetadata(token, agentId));
        call.on('data', () => reject(new Error(`agent ${agentId} received data of a transfer not meant for it`)));
        call.on('error', (err: grpc.ServiceError) => resolve(err));
        call.on('end', () => reject(new Error('the download ended without an error')));
      });
    try {
      const third = await attempt(AGENT_TOKEN, 'C');
      expect(third.code).toBe(grpc.status.UNAUTHENTICATED);
      expect(third.details).toMatch(/not for agent C/);
      const forged = await attempt('wrong-token', 'B');
      expect(forged.code).toBe(grpc.status.UNAUTHENTICATED);
    } finally {
      client.close();
    }

    // The transfer is stalled half way at the source; the coordinator goes away.
    const before = await digest(b);
    await waitFor(() => fleet.coordinator!.logs().some((l) => l.msg === 'transfer download attached' && l.transferId === transferId), 60_000, 100);
    await fleet.coordinator!.kill9();
    const cut = await copying;
    expect(cut.code).not.toBe(0);
    await fleet.startCoordinator();
    await waitFor(() => b.process!.logs().filter((x) => x.msg === 'connected to coordinator').length >= 2, 60_000, 100);
    const jobs = async () => (await runCliJson(['jobs', '--instance', 'main', '--json', '--limit', '200'], { env: fleet.env })).json as Array<{ type: string; agentId: string; state: string; errorCode: string; createdAt: string }>;
    await waitFor(async () => (await jobs()).some((j) => j.type === 'receive-copy' && j.state === 'failed' && j.errorCode === 'TRANSFER_FAILED'), 60_000, 250);
    expect(leftovers()).toEqual([]);
    expect((await listB()).some((c) => c.id === m.id)).toBe(false);
    expect(await digest(b)).toBe(before);

    await restartA();
    const retry = await runCliJson(['copy', '--backup', m.id, '--to-agent', 'B', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(retry.code, retry.stderr).toBe(0);
    expect(sha256((await listB()).find((c) => c.id === m.id)!.path)).toBe(m.sha256);
  }, 240_000);

  it('a copy damaged in flight is refused by the target (SHA-256), nothing kept', async () => {
    const m = await copyOnA();
    await restartA('transfer:send:corrupt');
    const r = await runCli(['copy', '--backup', m.id, '--to-agent', 'B', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(18);
    expect(JSON.parse(r.stderr.trim().split('\n').pop()!).error.message).toMatch(/arrived damaged: sha256/);
    expect(leftovers()).toEqual([]);
    expect((await listB()).some((c) => c.id === m.id)).toBe(false);
    await restartA();
  }, 240_000);

  it('redback restore --source agent:A restores A\'s copy onto B through the relay (plan first, then DEBUG DIGEST)', async () => {
    await a.redis.client().set('restore-marker', 'written before the copy');
    const m = await copyOnA();
    const expected = await digest(a);
    expect(await digest(b)).not.toBe(expected);
    const args = ['restore', '--instance', 'A/main', '--target-instance', 'B/main', '--source', 'agent:A', '--backup', m.id];
    const dry = await runCliJson([...args, '--dry-run', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.json.source).toMatchObject({ kind: 'agent', agentId: 'A', id: m.id });
    expect(fleet.coordinator!.logs().some((l) => l.msg === 'transfer created' && l.backup === m.id)).toBe(false); // a plan sends nothing
    const r = await runCli([...args, '--yes'], { env: fleet.env, timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    await waitFor(async () => (await digest(b).catch(() => '')) === expected, 60_000, 200);
    const jobs = (await runCliJson(['jobs', '--json', '--limit', '200'], { env: fleet.env })).json as Array<{ type: string; agentId: string; state: string; result: any }>;
    const restore = jobs.find((j) => j.type === 'restore' && j.agentId === 'B' && j.result?.dryRun === false)!;
    expect(restore.state).toBe('succeeded');
    expect(restore.result).toMatchObject({ runbook: 'restore-remote', source: { kind: 'remote', id: m.id, from: { agentId: 'A', instance: 'main' } } });
    expect(jobs.some((j) => j.type === 'send-copy' && j.agentId === 'A' && j.state === 'succeeded')).toBe(true);
  }, 300_000);

  it('bad requests: unknown copy, unknown agent, the copy already there', async () => {
    const unknown = await runCli(['copy', '--backup', '20990101T000000Z-000000', '--to-agent', 'B'], { env: fleet.env });
    expect(unknown.code).toBe(4);
    expect(unknown.stderr).toMatch(/HINT: /);
    const agents = await runCli(['copy', '--backup', 'x', '--to-agent', 'nobody'], { env: fleet.env });
    expect(agents.code).toBe(4);
    const copies = await listB();
    const there = copies.find((c) => c.source === 'import')!;
    const again = await runCli(['copy', '--backup', there.id, '--to-agent', 'B'], { env: fleet.env });
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/already holds copy/);
    const usage = await runCli(['copy', '--to-agent', 'B'], { env: fleet.env });
    expect(usage.code).toBe(2);
  }, 60_000);
});
