import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchiver } from '../../agent/archive/archive-session.js';
import { isoToUnix } from '../../shared/offsite/archive-layout.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { archiveDrill, baseRecords, currentManifest, history, reassemble } from './archive-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function keysOf(port: number): Promise<string[]> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    return ((await c.keys('*')) as string[]).sort();
  } finally {
    c.disconnect();
  }
}

/**
 * The trust bug of the first archiver: after the AOF directory was deleted and Redis started over
 * (a new history whose files have the same names as the old ones), the archiver closed the epoch
 * with a gap but then shipped its retained hard links of the OLD files as the new epoch. The new
 * epoch must start only from the files Redis lists now, and a restore of the newest second must
 * bring back the new history only.
 */
describe('a new AOF history after the AOF directory was deleted', { timeout: 300_000 }, () => {
  const tmp = makeTempDir('redback-archive-newhist-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  it('closes the old epoch with a gap; the new epoch ships the live files (not the old links) and recover --before latest restores only the new keys', async () => {
    const drill = await archiveDrill(join(tmp.path, 'h'));
    cleanups.push(() => drill.cleanup());
    const target = new LocalDirTarget(drill.offsiteDir);
    const ctx = drill.ctx();
    const archiver = await createArchiver(ctx, drill.instance(ctx));
    cleanups.push(() => archiver.stop());
    const linkDir = join(drill.redisDir, '.redback-archive-drill');

    let c = drill.client();
    for (let i = 0; i < 150; i++) await c.set(`old:${i}`, `old-value-${i}`);
    await archiver.runRound();
    await sleep(1100);
    for (let i = 150; i < 200; i++) await c.set(`old:${i}`, `old-value-${i}`);
    await archiver.runRound();
    const before = await history(target);
    expect(before.epochs).toHaveLength(1);
    const oldManifest = currentManifest(drill);
    const oldIncrSha = sha256(readFileSync(join(drill.aofDir, oldManifest.incrs[0]!.name)));

    // the AOF directory is lost; Redis starts over (new, different history; same file names)
    c.disconnect();
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true, force: true });
    await sleep(2100);
    const restartedAt = Math.floor(Date.now() / 1000);
    await drill.server!.startProcess();
    c = drill.client();
    cleanups.push(async () => void c.disconnect());
    for (let i = 0; i < 120; i++) await c.set(`new:${i}`, `new-value-${i}`);
    const gapRound = await archiver.runRound();
    expect(gapRound.gaps).toHaveLength(1);
    await sleep(1100);
    for (let i = 120; i < 160; i++) await c.set(`new:${i}`, `new-value-${i}`);
    const next = await archiver.runRound();
    expect(next.gaps).toEqual([]);
    await archiver.runRound();

    const h = await history(target);
    expect(h.epochs).toHaveLength(2);
    expect(h.epochs[0]!.closed).not.toBeNull();
    expect(h.gaps).toHaveLength(1);
    expect(h.gaps[0]).toMatchObject({ afterEpoch: h.epochs[0]!.id, beforeEpoch: h.epochs[1]!.id });
    expect(h.gaps[0]!.fromTs!).toBeLessThan(restartedAt);
    const m = currentManifest(drill);
    expect(m.incrs[0]!.name).toBe(oldManifest.incrs[0]!.name); // the names collide: the case of the bug

    // the new epoch's base and incr are the live files, not the old links
    const newEpoch = h.epochs[1]!;
    expect(newEpoch.bases[0]!.file).toBe(m.base!.name);
    const [base] = await baseRecords(target, h, 1);
    expect(base!.plainSha256).toBe(sha256(readFileSync(join(drill.aofDir, m.base!.name))));
    const liveIncr = readFileSync(join(drill.aofDir, m.incrs[0]!.name));
    expect(sha256(liveIncr)).not.toBe(oldIncrSha);
    const incr = await reassemble(target, newEpoch.id, m.incrs[0]!.name);
    expect(sha256(incr.bytes)).toBe(sha256(liveIncr));
    // coverage of the new epoch starts at the new base, after the old history ended
    expect(isoToUnix(newEpoch.bases[0]!.asOf)).toBeGreaterThanOrEqual(restartedAt);
    expect(incr.segments[0]!.firstTs!).toBeGreaterThanOrEqual(restartedAt); // the first #TS: shipped is the new history's
    expect(h.gaps[0]!.toTs!).toBeGreaterThanOrEqual(restartedAt); // the gap ends where the new history begins
    // no stale link of the old history is left in the agent's area
    for (const name of readdirSync(linkDir)) {
      expect(statSync(join(linkDir, name)).ino, name).toBe(statSync(join(drill.aofDir, name)).ino);
    }

    // the newest second restores the new history only
    c.disconnect();
    await archiver.stop();
    const latest = await drill.cli(['recover', '--before', 'latest', '--yes'], 180_000);
    expect(latest.code, latest.stdout + latest.stderr).toBe(0);
    const expected = Array.from({ length: 160 }, (_, i) => `new:${i}`).sort();
    expect(await keysOf(drill.port)).toEqual(expected);
  });
});
