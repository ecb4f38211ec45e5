import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAgentContext } from '../../agent/agent-context.js';
import { openRestoreSource, type SourceDescriptor } from '../../agent/recovery/sources.js';
import { Coordinator } from '../../coordinator/coordinator.js';
import { startTransfer } from '../../coordinator/transfer/start-transfer.js';
import { loadAgentConfig } from '../../shared/config/agent-config.js';
import { loadCoordinatorConfig } from '../../shared/config/coordinator-config.js';
import { silentLogger } from '../../shared/log/logger.js';
import { totalKeys } from '../../shared/manifest/copy-manifest.js';
import { keysOfSummary } from '../../shared/rdb/rdb-summary.js';
import { CliProcess } from '../helpers/cli-process.js';
import { runCliJson } from '../helpers/cli.js';
import { fillRandom } from '../helpers/fill-redis.js';
import { ADMIN_TOKEN, AGENT_TOKEN, TestFleet, type FleetAgent } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The `remote` restore source (agent/recovery/remote-agent-source.ts) with the coordinator's
 * startTransfer, as a restore with `--source agent:ID` uses them: the coordinator runs in this
 * process (so the test calls startTransfer itself); agents A and B are real processes, and the
 * test fetches as agent B (same token and id) into a staged file.
 */
describe('restore source: a copy held by another agent', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  let coordinator: Coordinator;
  let a: FleetAgent;
  let b: FleetAgent;
  let copy: { id: string; sha256: string; bytes: number; keys: Record<string, number> };

  const sourceFor = async (started: ReturnType<typeof startTransfer>) => {
    const ctx = createAgentContext(loadAgentConfig(b.config), silentLogger);
    return openRestoreSource(ctx, ctx.config.instances[0]!, started.source as unknown as SourceDescriptor);
  };
  const start = () => startTransfer(coordinator.state, { sourceAgentId: 'A', instance: 'main', backupId: copy.id, targetAgentId: 'B' });

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig();
    coordinator = await Coordinator.start(loadCoordinatorConfig(fleet.coordinatorConfig, { REDBACK_ADMIN_TOKEN: ADMIN_TOKEN, REDBACK_AGENT_TOKEN: AGENT_TOKEN }), silentLogger);
    a = await fleet.addAgent('A');
    b = await fleet.addAgent('B');
    await fillRandom(a.redis.client(), 120, 64 * 1024, 'big'); // ~8 MB: 8 chunks
    for (const agent of [a, b]) await (await fleet.startAgent(agent, false)).waitForLog((l) => l.msg === 'connected to coordinator', 90_000);
    const r = await runCliJson(['backup', '--instance', 'A/main', '--wait', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    copy = r.json.result.manifest;
    await waitFor(() => coordinator.state.catalog.getBackup('A', 'main', copy.id) !== null, 30_000, 100);
  }, 240_000);

  afterAll(async () => {
    await fleet.stop();
    await coordinator?.stop();
    tmp.cleanup();
  });

  it('fetches the copy through the relay into the staged file, verified (size, SHA-256, CRC-64, keys); the transfer id is single-use', async () => {
    const started = start();
    expect(started.sendJob.agentId).toBe('A');
    const source = await sourceFor(started);
    expect(source.kind).toBe('remote');
    expect(source.describe()).toMatch(new RegExp(`copy ${copy.id} of main held by agent A`));
    const staged = join(tmp.path, 'staged-1.rdb');
    const result = await source.fetch(staged);
    expect(result.sha256).toBe(copy.sha256);
    expect(result.bytes).toBe(copy.bytes);
    expect(createHash('sha256').update(readFileSync(staged)).digest('hex')).toBe(copy.sha256);
    expect(totalKeys({ keys: keysOfSummary(result.summary).keys })).toBe(totalKeys(copy));

    const again = join(tmp.path, 'staged-again.rdb');
    await expect(source.fetch(again)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(existsSync(again)).toBe(false);
  }, 60_000);

  it('a transfer cut by killing the source agent fails with TRANSFER_FAILED and leaves no staged file', async () => {
    await a.process!.kill9();
    a.process = new CliProcess(['agent', 'run', '--config', a.config], { REDBACK_FAILPOINT: 'transfer:send:stall' });
    await a.process.waitForLog((l) => l.msg === 'connected to coordinator', 30_000);
    await waitFor(() => coordinator.state.sessions.get('A') !== undefined, 15_000, 100);
    const started = start();
    const source = await sourceFor(started);
    const staged = join(tmp.path, 'staged-2.rdb');
    const fetching = source.fetch(staged);
    fetching.catch(() => undefined);
    await waitFor(() => (coordinator.state.transfers.get(started.transferId)?.relayed ?? 0) > 0, 30_000, 50);
    await a.process.kill9();
    await expect(fetching).rejects.toMatchObject({ code: 'TRANSFER_FAILED', message: expect.stringMatching(/source agent A (dropped the transfer|ended its upload after)/) });
    expect(existsSync(staged)).toBe(false);
  }, 90_000);
});
