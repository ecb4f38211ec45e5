import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { ArchiveKeys } from '../../shared/offsite/archive-layout.js';
import { listIncrSegments, loadArchiveHistory } from '../../shared/offsite/archive-store.js';
import { TestFleet, type FleetAgent } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/**
 * The coordinator's policy turns archiving on (`archive: true` travels with the schedule); the
 * agent daemon ships the AOF every interval; the lag reaches the coordinator in heartbeats and
 * shows as redback_archive_lag_seconds / redback_archive_lag_bytes.
 */
describe('continuous archiving in a fleet (real coordinator, agent daemon, redis-server)', { timeout: 120_000 }, () => {
  const tmp = makeTempDir('redback-archive-fleet-');
  const fleet = new TestFleet(tmp.path);
  const offsiteDir = join(tmp.path, 'offsite');
  let a: FleetAgent;

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({ policies: { default: { appendonly: 'yes', 'aof-timestamp-enabled': 'yes', archive: true } } });
    await fleet.startCoordinator();
    a = await fleet.addAgent('arch-a', {
      redis: { appendonly: true, extraConfig: ['aof-timestamp-enabled yes'] },
      agentConfig: { offsite: { type: 'local', path: offsiteDir, prefix: 'redback' } },
    });
    await fleet.startAgent(a);
  }, 120_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  const metrics = async (): Promise<string> => (await fetch(`http://127.0.0.1:${fleet.metricsPort}/metrics`)).text();

  it('the policy starts the archiver; segments land offsite; lag is a heartbeat field and a metric', async () => {
    const c = a.redis.client();
    for (let i = 0; i < 500; i++) await c.set(`k:${i}`, `v${i}`);
    await a.process!.waitForLog((l) => l.msg === 'AOF archiving started', 30_000);

    const target = new LocalDirTarget(offsiteDir);
    const keys = new ArchiveKeys('redback', { agentId: 'arch-a', instance: 'main' });
    await waitFor(async () => (await loadArchiveHistory(target, keys)).history !== null, 30_000, 300);
    const h = (await loadArchiveHistory(target, keys)).history!;
    const incr = h.epochs[0]!.incrs[0]!.file;
    await waitFor(async () => (await listIncrSegments(target, keys, h.epochs[0]!.id, incr)).segments.length > 0, 30_000, 300);

    await waitFor(async () => /^redback_archive_lag_seconds\{agent="arch-a",instance="main"\} [\d.]+$/m.test(await metrics()), 30_000, 300);
    const text = await metrics();
    expect(text).toMatch(/^redback_archive_lag_bytes\{agent="arch-a",instance="main"\} \d+$/m);
    expect(text).toMatch(/^redback_archive_gaps\{agent="arch-a",instance="main"\} 0$/m);
    const lag = Number(/^redback_archive_lag_seconds\{agent="arch-a",instance="main"\} ([\d.]+)$/m.exec(text)![1]);
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(120); // a generous bound: the default 10 s interval on a loaded machine
    c.disconnect();
  });

  it('a rewrite missed while the agent was down: the gap reaches the coordinator (heartbeat coverage, redback_archive_gaps)', async () => {
    await a.process!.stop();
    const c = a.redis.client();
    for (const n of [1, 2]) {
      const before = Number(/aof_rewrites:(\d+)/.exec((await c.info('persistence')) as string)?.[1] ?? 0);
      await c.call('BGREWRITEAOF');
      await waitFor(async () => {
        const info = (await c.info('persistence')) as string;
        return /aof_rewrite_in_progress:0/.test(info) && Number(/aof_rewrites:(\d+)/.exec(info)?.[1] ?? 0) > before;
      }, 30_000, 100);
      await c.set(`after-rewrite-${n}`, 'x');
    }
    await fleet.startAgent(a);
    await waitFor(async () => /^redback_archive_gaps\{agent="arch-a",instance="main"\} 1$/m.test(await metrics()), 60_000, 300);
    const target = new LocalDirTarget(offsiteDir);
    const h = (await loadArchiveHistory(target, new ArchiveKeys('redback', { agentId: 'arch-a', instance: 'main' }))).history!;
    expect(h.gaps.map((g) => g.reason)).toEqual(['missed-rewrite']);
    expect(h.epochs.map((e) => e.closed?.reason ?? null)).toEqual(['missed-rewrite', null]);
    c.disconnect();
  });
});
