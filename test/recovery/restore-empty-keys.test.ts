import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portAcceptsConnections } from '../../agent/control/index.js';
import { waitFor } from '../helpers/redis-server.js';
import { InstanceWatch } from '../../agent/state/instance-watch.js';
import { copyIntoTier, takeSnapshot } from '../../agent/snapshot/take-snapshot.js';
import { sealManifest } from '../../shared/manifest/copy-manifest.js';
import { crc64 } from '../../shared/rdb/crc64.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, Drill, keyCount } from './drill-fixture.js';

/**
 * A copy whose RDB holds keys with no elements (Redis skips them on load: #8453-era files): the
 * manifest counts what Redis loads, so the restore's key check passes and every real key is back.
 * Before, the empty keys were counted and the restore was rolled back as "does not match".
 */
/** kill -9 of the instance's redis-server, whoever started it (after a restore the agent did). */
async function killRedis(d: Drill): Promise<void> {
  const c = d.client();
  let pid: number | null = null;
  try {
    pid = Number(/process_id:(\d+)/.exec((await c.info('server')) as string)?.[1]);
  } catch {
    pid = null; // not running
  } finally {
    c.disconnect();
  }
  if (!pid) return;
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => !(await portAcceptsConnections('127.0.0.1', d.port)), 10_000);
}

describe('restore of a copy holding empty keys', () => {
  const tmp = makeTempDir('redback-empty-keys-');
  let drill: Drill | null = null;
  afterAll(async () => {
    await drill?.cleanup();
    tmp.cleanup();
  });

  it('the manifest leaves empty keys out; recover --yes restores every key', async () => {
    drill = await Drill.create(join(tmp.path, 'd'));
    await drill.fill('e');
    const ctx = drill.ctx();
    await new InstanceWatch(ctx).pollOnce();
    const snap = await takeSnapshot(ctx, drill.instance(ctx), { tier: 'hourly' });
    const expected = await captureDataset(drill.port);

    // The same RDB with empty keys added in db 5 (no RESIZEDB hint there) and the CRC recomputed.
    const rdb = readFileSync(snap.manifest.path);
    const body = rdb.subarray(0, rdb.length - 9); // without EOF + CRC
    const str = (s: string) => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
    const extra = Buffer.concat([
      Buffer.from([0xfe, 5]),
      Buffer.from([2]), str('empty-set'), Buffer.from([0]),
      Buffer.from([4]), str('empty-hash'), Buffer.from([0]),
      Buffer.from([0xfc]), Buffer.from('00e0e6d0ba010000', 'hex'), Buffer.from([1]), str('empty-list'), Buffer.from([0]),
      Buffer.from([0xff]),
    ]);
    const withEmpty = Buffer.concat([body, extra]);
    const trailer = Buffer.alloc(8);
    trailer.writeBigUInt64LE(crc64(withEmpty));
    const crafted = join(tmp.path, 'with-empty-keys.rdb');
    writeFileSync(crafted, Buffer.concat([withEmpty, trailer]));

    const manifest = await copyIntoTier(ctx, drill.instance(ctx), 'manual', crafted, { source: 'import', redisRunId: null });
    expect(manifest.keys).toEqual(snap.manifest.keys); // db 5 holds only empty keys: nothing to load
    expect(manifest.keys['5'] ?? 0).toBe(0);
    expect(manifest.expires).toEqual(snap.manifest.expires);

    // Lose everything, restore the crafted copy.
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true, force: true });
    rmSync(drill.rdbFile, { force: true });
    const run = await drill.cli(['recover', '--yes', '--backup', manifest.id], 120_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/verify-keys/);
    const now = await captureDataset(drill.port);
    expect(keyCount(now)).toBe(keyCount(expected));
    expect(now).toEqual(expected);
  }, 180_000);

  it('hashes with field TTLs (RDB 12) may vanish on load: the key check allows up to that many fewer keys, no more', async () => {
    // Redis 7.0 cannot write RDB 12, so the manifest says what a 7.4 copy would: 2 more keys in
    // db 0 that are hashes with field TTLs whose fields all expired (Redis drops them, uncounted).
    const d = drill!;
    const ctx = d.ctx();
    await new InstanceWatch(ctx).pollOnce();
    const snap = await takeSnapshot(ctx, d.instance(ctx), { tier: 'hourly' });
    const expected = await captureDataset(d.port);
    const { checksum: _old, ...body } = snap.manifest;
    const manifestFile = ctx.layout.manifestFile(snap.manifest.instance, snap.manifest.tier, snap.manifest.id);
    const write = (phantom: number) =>
      writeFileSync(manifestFile, JSON.stringify(sealManifest({ ...body, keys: { ...body.keys, 0: body.keys['0']! + phantom }, hashesWithFieldTtl: { 0: 2 } }), null, 2) + '\n');

    // 3 missing keys with only 2 hashes that may vanish: refused, rolled back.
    write(3);
    await killRedis(d);
    rmSync(d.aofDir, { recursive: true, force: true });
    rmSync(d.rdbFile, { force: true });
    const refused = await d.cli(['recover', '--yes', '--backup', snap.manifest.id], 60_000);
    expect(refused.code, refused.stdout + refused.stderr).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/2 of them hashes with field TTLs that may vanish/);

    // 2 missing keys, 2 hashes with field TTLs: accepted.
    write(2);
    await killRedis(d);
    rmSync(d.aofDir, { recursive: true, force: true });
    rmSync(d.rdbFile, { force: true });
    const run = await d.cli(['recover', '--yes', '--backup', snap.manifest.id], 60_000);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const now = await captureDataset(d.port);
    expect(now).toEqual(expected);
  }, 150_000);
});
