import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createArchiver } from '../../agent/archive/archive-session.js';
import { openOffsite } from '../../agent/offsite/offsite-session.js';
import { TestS3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { archiveDrill, baseRecords, currentManifest, history, reassemble, rewrite, writeNumbered } from './archive-fixture.js';

/**
 * The archive on a real S3-compatible server (s3rver), encrypted: every segment and base is
 * stored encrypted (its own data key wrapped by the operator key), decodes with the operator key
 * to the incr file's exact bytes, across a rewrite.
 */
describe('continuous AOF archiving to s3rver, encrypted', { timeout: 180_000 }, () => {
  const tmp = makeTempDir('redback-archive-s3-');
  const cleanups: Array<() => Promise<void>> = [];
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await TestS3Server.start({ bucket: 'archive' });
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
    await s3?.stop();
    tmp.cleanup();
    delete process.env.ARCHIVE_TEST_KEY;
  });

  it('ships encrypted segments and bases that decode to the AOF bytes', async () => {
    process.env.ARCHIVE_TEST_KEY = 'ab'.repeat(32);
    const drill = await archiveDrill(join(tmp.path, 's3'), {
      type: 's3',
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      forcePathStyle: true,
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      checksumMode: 'WHEN_REQUIRED',
      prefix: 'redback',
      encryption: { keyEnv: 'ARCHIVE_TEST_KEY' },
    });
    cleanups.push(() => drill.cleanup());
    const c = drill.client();
    cleanups.push(async () => void c.disconnect());
    const ctx = drill.ctx();
    const access = await openOffsite(ctx);
    const archiver = await createArchiver(ctx, drill.instance(ctx), access);
    cleanups.push(() => archiver.stop());

    await writeNumbered(c, 0, 400);
    await archiver.runRound();
    const incr1 = currentManifest(drill).incrs[0]!.name;
    const before = readFileSync(join(drill.aofDir, incr1));
    await rewrite(drill, c);
    await writeNumbered(c, 400, 600);
    await archiver.runRound();
    await archiver.runRound();

    const h = await history(access.target);
    const epoch = h.epochs[0]!;
    const keySource = { keyEnv: 'ARCHIVE_TEST_KEY' };
    const first = await reassemble(access.target, epoch.id, incr1, keySource);
    expect(first.bytes.equals(before)).toBe(true);
    expect(first.segments.every((s) => s.encryption !== null && s.key.endsWith('.zst.enc'))).toBe(true);
    const m = currentManifest(drill);
    const second = await reassemble(access.target, epoch.id, m.incrs[0]!.name, keySource);
    expect(second.bytes.equals(readFileSync(join(drill.aofDir, m.incrs[0]!.name)))).toBe(true);
    const bases = await baseRecords(access.target, h);
    expect(bases.map((b) => b.fileSeq)).toEqual([1, m.base!.seq]);
    expect(bases.every((b) => b.encryption !== null)).toBe(true);
  });
});
