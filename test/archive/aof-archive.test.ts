import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchiver } from '../../agent/archive/archive-session.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { archiveDrill, archiveKeys, baseRecords, currentManifest, history, reassemble, rewrite, writeNumbered } from './archive-fixture.js';

/**
 * Continuous AOF archiving against real redis-servers (appendonly yes, aof-timestamp-enabled yes)
 * and a local-directory offsite target: the shipped segments of each incr file, decoded and
 * concatenated, are byte-identical to the file, across a BGREWRITEAOF; a kill -9 at the failpoints
 * between upload and record and between record and state leaves no gap and no duplicate; a
 * missed rewrite is a gap (exit 19) and a new epoch starts.
 */
describe('continuous AOF archiving', () => {
  const tmp = makeTempDir('redback-archive-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  it('ships each incr file as segments whose bytes equal the file, follows a rewrite (base shipped once), never re-uploads', async () => {
    const drill = await archiveDrill(join(tmp.path, 'a'));
    cleanups.push(() => drill.cleanup());
    const target = new LocalDirTarget(drill.offsiteDir);
    const c = drill.client();
    cleanups.push(async () => void c.disconnect());
    const ctx = drill.ctx();
    const archiver = await createArchiver(ctx, drill.instance(ctx));
    cleanups.push(() => archiver.stop());

    await writeNumbered(c, 0, 300);
    const r1 = await archiver.runRound();
    expect(r1.segments).toBeGreaterThanOrEqual(1);
    await writeNumbered(c, 300, 700);
    await new Promise((r) => setTimeout(r, 1100)); // a new second: another #TS annotation
    await writeNumbered(c, 700, 900);
    const r2 = await archiver.runRound();
    expect(r2.segments).toBe(1);

    let h = await history(target);
    expect(h.epochs).toHaveLength(1);
    const epoch = h.epochs[0]!;
    const incr1 = currentManifest(drill).incrs[0]!.name;
    const firstFile = readFileSync(join(drill.aofDir, incr1));
    let got = await reassemble(target, epoch.id, incr1);
    expect(got.bytes.equals(firstFile)).toBe(true);
    expect(got.segments.map((s) => s.segment)).toEqual([0, 1]);
    expect(got.segments[0]!.firstTs).not.toBeNull();
    expect(got.segments[1]!.lastTs!).toBeGreaterThan(got.segments[0]!.firstTs!);

    // nothing new: nothing uploaded
    const idle = await archiver.runRound();
    expect(idle.segments).toBe(0);
    expect(idle.uploadedBytes).toBe(0);

    // a rewrite while archiving: the old incr is finished, the new base shipped once, the new incr followed
    await rewrite(drill, c);
    await writeNumbered(c, 900, 1200);
    await archiver.runRound();
    await writeNumbered(c, 1200, 1300);
    await archiver.runRound();
    await archiver.runRound();
    const m = currentManifest(drill);
    h = await history(target);
    expect(h.epochs).toHaveLength(1);
    expect(h.epochs[0]!.incrs.map((i) => i.file)).toEqual([incr1, m.incrs[0]!.name]);
    expect(h.epochs[0]!.bases.map((b) => b.gen)).toEqual([1, m.base!.seq]);
    expect(h.epochs[0]!.bases[1]!.firstIncr).toBe(m.incrs[0]!.name);
    const bases = await baseRecords(target, h);
    expect(bases.map((b) => b.fileSeq)).toEqual([1, m.base!.seq]);
    const baseObjects = readdirSync(join(drill.offsiteDir, 'redback/host-a/drill/aof-archive', epoch.id, 'base'));
    expect(baseObjects.filter((f) => !f.endsWith('.json'))).toHaveLength(2);
    expect(readFileSync(join(drill.aofDir, m.base!.name)).equals((await reassembleBase(target, bases[1]!)))).toBe(true);

    got = await reassemble(target, epoch.id, incr1);
    expect(got.bytes.equals(firstFile)).toBe(true); // no writes after the rewrite started went into it
    const incr2 = await reassemble(target, epoch.id, m.incrs[0]!.name);
    expect(incr2.bytes.equals(readFileSync(join(drill.aofDir, m.incrs[0]!.name)))).toBe(true);
    expect(incr2.orphans).toEqual([]);
    // the old incr file is gone from Redis's directory, and its link once shipped whole
    expect(existsSync(join(drill.aofDir, incr1))).toBe(false);
    expect(readdirSync(join(drill.redisDir, '.redback-archive-drill'))).not.toContain(incr1);

    const status = await runCli(['agent', 'archive-status', '--config', drill.configPath, '--json']);
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout).instances[0];
    expect(s).toMatchObject({ instance: 'drill', archived: true, state: 'ok', epoch: epoch.id, gaps: [] });
    expect(s.coverage[0].toTs).toBeGreaterThanOrEqual(s.coverage[0].fromTs);
    expect(typeof s.lagSeconds).toBe('number');
  });

  it('kill -9 between upload and record, and between record and state: the restart resumes with no gap and no duplicate', async () => {
    const drill = await archiveDrill(join(tmp.path, 'k'));
    cleanups.push(() => drill.cleanup());
    const target = new LocalDirTarget(drill.offsiteDir);
    const c = drill.client();
    cleanups.push(async () => void c.disconnect());
    const run = (failpoint?: string) =>
      runCli(['agent', 'archive', '--config', drill.configPath, '--instance', 'drill', '--json'], failpoint ? { env: { REDBACK_FAILPOINT: failpoint } } : {});

    await writeNumbered(c, 0, 200);
    expect((await run()).code).toBe(0);

    await writeNumbered(c, 200, 400);
    expect((await run('archive:after-upload')).code).toBe(128); // the data object is stored, its record not
    await writeNumbered(c, 400, 500);
    const again = await run();
    expect(again.code, again.stderr).toBe(0);

    await writeNumbered(c, 500, 700);
    expect((await run('archive:after-record')).code).toBe(128); // committed offsite, the local state not written
    await writeNumbered(c, 700, 750);
    const third = await run();
    expect(third.code, third.stderr).toBe(0);

    const h = await history(target);
    expect(h.epochs).toHaveLength(1);
    expect(h.gaps).toEqual([]);
    const incr = currentManifest(drill).incrs[0]!.name;
    const got = await reassemble(target, h.epochs[0]!.id, incr);
    expect(got.bytes.equals(readFileSync(join(drill.aofDir, incr)))).toBe(true);
    expect(got.orphans).toEqual([]); // the data object without record was removed and re-shipped
    // segments tile the file exactly: each starts where the previous ended
    got.segments.forEach((s, i) => expect(s.start).toBe(i === 0 ? 0 : got.segments[i - 1]!.end));
  });

  it('a missed rewrite (two rewrites while the archiver is stopped) is a gap: exit 19, a new epoch from the current base, shown by archive-status', async () => {
    const drill = await archiveDrill(join(tmp.path, 'g'));
    cleanups.push(() => drill.cleanup());
    const target = new LocalDirTarget(drill.offsiteDir);
    const c = drill.client();
    cleanups.push(async () => void c.disconnect());
    await writeNumbered(c, 0, 100);
    const first = await runCli(['agent', 'archive', '--config', drill.configPath, '--instance', 'drill']);
    expect(first.code, first.stderr).toBe(0);

    await rewrite(drill, c);
    await writeNumbered(c, 100, 150);
    await rewrite(drill, c);
    await writeNumbered(c, 150, 200);
    const gap = await runCli(['agent', 'archive', '--config', drill.configPath, '--instance', 'drill']);
    expect(gap.code, gap.stderr).toBe(19);
    expect(gap.stderr).toMatch(/ARCHIVE_GAP|gap/);

    const h = await history(target);
    expect(h.epochs).toHaveLength(2);
    expect(h.epochs[0]!.closed?.reason).toBe('missed-rewrite');
    expect(h.gaps).toHaveLength(1);
    expect(h.gaps[0]).toMatchObject({ afterEpoch: h.epochs[0]!.id, beforeEpoch: h.epochs[1]!.id, reason: 'missed-rewrite' });
    const m = currentManifest(drill);
    expect(h.epochs[1]!.bases[0]!.gen).toBe(m.base!.seq);
    const incr = await reassemble(target, h.epochs[1]!.id, m.incrs[0]!.name);
    expect(incr.bytes.equals(readFileSync(join(drill.aofDir, m.incrs[0]!.name)))).toBe(true);

    const status = await runCli(['agent', 'archive-status', '--config', drill.configPath, '--json']);
    expect(status.code).toBe(19);
    const s = JSON.parse(status.stdout).instances[0];
    expect(s.gaps).toHaveLength(1);
    expect(s.coverage.map((e: { closed: boolean }) => e.closed)).toEqual([true, false]);
    const human = await runCli(['agent', 'archive-status', '--config', drill.configPath]);
    expect(human.code).toBe(19);
    expect(human.stdout).toMatch(/GAP after E000001/);

    // deleting the archiver's hard link of an unfinished incr file is a gap too
    await writeNumbered(c, 200, 300);
    const linkDir = join(drill.redisDir, '.redback-archive-drill');
    await rewrite(drill, c); // the old incr survives only through the link
    rmSync(join(linkDir, m.incrs[0]!.name));
    const vanished = await runCli(['agent', 'archive', '--config', drill.configPath, '--instance', 'drill']);
    expect(vanished.code, vanished.stdout).toBe(19);
    expect((await history(target)).gaps.map((g) => g.reason)).toEqual(['missed-rewrite', 'files-vanished']);
  });

  it('refuses an instance without aof-timestamp-enabled with a clear error', async () => {
    const drill = await archiveDrill(join(tmp.path, 'n'));
    cleanups.push(() => drill.cleanup());
    const c = drill.client();
    cleanups.push(async () => void c.disconnect());
    await c.call('CONFIG', 'SET', 'aof-timestamp-enabled', 'no');
    const r = await runCli(['agent', 'archive', '--config', drill.configPath, '--instance', 'drill']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/needs appendonly yes and aof-timestamp-enabled yes/);
    expect(r.stderr).toMatch(/hint: /i);
  });
});

async function reassembleBase(target: LocalDirTarget, record: Parameters<typeof import('./archive-fixture.js').decodeArchived>[1]): Promise<Buffer> {
  const { decodeArchived } = await import('./archive-fixture.js');
  return decodeArchived(target, record);
}

void archiveKeys;
