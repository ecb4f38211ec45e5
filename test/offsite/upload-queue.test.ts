import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliJson } from '../helpers/cli.js';
import { TestFleet } from '../helpers/fleet-fixture.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

interface Job {
  jobId: string;
  type: string;
  state: string;
  phase: string;
}

/**
 * An upload reads files it pinned; only the pin waits in the instance's queue. A slow upload (the
 * bandwidth cap) must not hold up a snapshot of the same instance requested meanwhile.
 */
describe('an upload does not hold the instance queue (coordinator + agent + redis-server processes)', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  const MB = 1024 * 1024;

  beforeAll(async () => {
    await fleet.writeCoordinatorConfig({
      offsite: {
        type: 'local',
        path: join(tmp.path, 'store'),
        prefix: 'fleet',
        schedule: '0 2 1 1 *',
        catchUpAfter: null,
        pruneAfterUpload: false,
        // ~6 MiB of random (incompressible) values at 256 KiB/s: the upload takes ~24 s.
        bandwidthLimit: '256KiB/s',
      },
    });
    await fleet.startCoordinator();
    const agent = await fleet.addAgent('a1');
    const c = agent.redis.client();
    for (let i = 0; i < 96; i++) await c.set(`blob:${i}`, randomBytes(64 * 1024));
    await fleet.startAgent(agent);
  }, 120_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  }, 150_000);

  const job = async (id: string): Promise<Job> => (await runCliJson<Job[]>(['jobs', '--json'], { env: fleet.env })).json.find((j) => j.jobId === id)!;

  it('a snapshot requested during a slow upload completes before the upload ends', async () => {
    const up = await runCliJson<Job>(['upload', '--instance', 'a1/main', '--json'], { env: fleet.env });
    expect(up.code, up.stderr).toBe(0);
    const uploadId = up.json.jobId;
    // Past the pin: the upload is sending bytes.
    await waitFor(async () => (await job(uploadId)).phase === 'upload', 60_000, 200);

    const backup = await runCliJson<{ state: string; result: { manifest: { id: string; bytes: number } } }>(['backup', '--instance', 'a1/main', '--wait', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.json.state).toBe('succeeded');
    expect(backup.json.result.manifest.bytes).toBeGreaterThan(6 * MB);
    // The snapshot is done and the upload still runs.
    expect((await job(uploadId)).state).toBe('running');

    // The upload then finishes with a complete set (it read the files it pinned).
    await waitFor(async () => ['succeeded', 'failed', 'cancelled', 'timed-out'].includes((await job(uploadId)).state), 120_000, 500);
    expect((await job(uploadId)).state).toBe('succeeded');
    const sets = await runCliJson<{ sets: unknown[] }>(['offsite', 'list', '--json'], { env: fleet.env });
    expect(sets.json.sets).toHaveLength(1);
  }, 240_000);
});
