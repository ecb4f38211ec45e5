import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { TIERS } from '../../shared/manifest/copy-manifest.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, keyCount } from '../recovery/drill-fixture.js';
import { offsiteDrill } from './offsite-fixture.js';

async function digest(port: number): Promise<string> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    return String(await c.call('DEBUG', 'DIGEST'));
  } finally {
    c.disconnect();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `agent recover --before TIME`: two offsite sets, everything on the host gone; the restore uses
 * the newest set at or before TIME (the first one), not the newest set.
 */
describe('agent recover --before', () => {
  const tmp = makeTempDir('redback-recover-before-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  it('restores exactly the keys of the set taken before the time', async () => {
    const drill = await offsiteDrill(join(tmp.path, 'two-sets'), {}, { extraConfig: ['enable-debug-command yes'] });
    cleanups.push(() => drill.cleanup());
    await drill.fill('first');
    const up1 = await drill.cli(['upload', '--json']);
    expect(up1.code, up1.stderr).toBe(0);
    const set1 = JSON.parse(up1.stdout) as { setId: string; snapshotAt: string };
    const firstData = await captureDataset(drill.port);
    const firstDigest = await digest(drill.port);

    // AUX ctime has whole seconds: keep the time strictly between the two snapshots
    await sleep(1100);
    const between = new Date();
    await sleep(1100);
    const c = drill.client(0);
    for (let i = 0; i < 50; i++) await c.set(`second:${i}`, `v${i}`);
    await c.del('first:s:0').catch(() => 0);
    c.disconnect();
    // a fresh local copy, so the second set does not reuse the first one's (recent) copy
    const snap = await drill.cli(['snapshot']);
    expect(snap.code, snap.stderr).toBe(0);
    const up2 = await drill.cli(['upload', '--json']);
    expect(up2.code, up2.stderr).toBe(0);
    const set2 = JSON.parse(up2.stdout) as { setId: string; snapshotAt: string };
    expect(set2.setId).not.toBe(set1.setId);
    expect(new Date(set1.snapshotAt).getTime()).toBeLessThanOrEqual(between.getTime());
    expect(new Date(set2.snapshotAt).getTime()).toBeGreaterThan(between.getTime());
    expect(keyCount(await captureDataset(drill.port))).toBeGreaterThan(keyCount(firstData));

    await drill.crash();
    rmSync(drill.aofDir, { recursive: true, force: true });
    rmSync(drill.rdbFile, { force: true });
    for (const tier of TIERS) rmSync(join(drill.backupDir, drill.name, tier), { recursive: true, force: true });
    expect(existsSync(drill.rdbFile)).toBe(false);

    // usage errors: malformed time, --before with --backup (exit 2, nothing changed)
    const bad = await drill.cli(['recover', '--before', 'yesterday-ish', '--dry-run']);
    expect(bad.code, bad.stdout + bad.stderr).toBe(2);
    expect(bad.stderr).toMatch(/--before: invalid time "yesterday-ish"/);
    const both = await drill.cli(['recover', '--before', between.toISOString(), '--backup', set1.setId, '--dry-run']);
    expect(both.code, both.stdout + both.stderr).toBe(2);
    expect(both.stderr).toMatch(/--backup and --before exclude each other/);
    // a time before every set: NOT_FOUND with a hint
    const early = await drill.cli(['recover', '--before', '2001-01-01T00:00:00Z', '--yes']);
    expect(early.code, early.stdout + early.stderr).toBe(4);
    expect(early.stderr).toMatch(/at or before 2001-01-01T00:00:00.000Z/);
    expect(early.stderr).toMatch(/offsite-list/);

    // without --before the dry run would take the second (newest) set
    const dryNewest = await drill.cli(['recover', '--dry-run']);
    expect(dryNewest.stdout).toMatch(new RegExp(`Source:\\s+offsite set ${set2.setId}`));
    const dry = await drill.cli(['recover', '--before', between.toISOString(), '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Runbook:\s+restore-offsite/);
    expect(dry.stdout).toMatch(new RegExp(`Source:\\s+offsite set ${set1.setId}.*snapshot \\d{4}-\\d{2}-\\d{2}T`));
    expect(dry.stdout).toMatch(/requested with --before/);

    const run = await drill.cli(['recover', '--before', between.toISOString(), '--yes'], 120_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Report: run \S+-restore-offsite-\S+ SUCCEEDED/);
    const now = await captureDataset(drill.port);
    expect(keyCount(now)).toBe(keyCount(firstData));
    expect(now).toEqual(firstData);
    expect(await digest(drill.port)).toBe(firstDigest);
  }, 240_000);
});
