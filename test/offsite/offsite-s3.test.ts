import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOffsite } from '../../agent/offsite/offsite-session.js';
import { TIERS } from '../../shared/manifest/copy-manifest.js';
import type { SetManifest } from '../../shared/offsite/set-manifest.js';
import { setObjectKey } from '../../shared/offsite/set-paths.js';
import { verifySet } from '../../shared/offsite/verify-set.js';
import { TestS3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, confAppendonly, configGet, keyCount } from '../recovery/drill-fixture.js';
import { AGENT_ID, offsiteDrill } from './offsite-fixture.js';

/**
 * The offsite set on a real S3-compatible server (s3rver; the test fails when it cannot start):
 * an encrypted set uploaded through the CLI, the S11 drill restoring every key from it, and
 * verifySet with data catching one flipped byte in a stored object.
 */
describe('offsite sets on s3rver: upload, S11 restore, verify', () => {
  const tmp = makeTempDir('redback-offsite-s3-');
  const cleanups: Array<() => Promise<void>> = [];
  let s3: TestS3Server;
  beforeAll(async () => {
    s3 = await TestS3Server.start({ bucket: 'offsite' });
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
    await s3?.stop();
    tmp.cleanup();
  });

  it('S11 drill against s3rver: AOF, dump.rdb and every local copy lost → recover --yes brings every key back; a flipped byte is caught by verify', async () => {
    process.env.S3_OFFSITE_KEY = 'cd'.repeat(32);
    try {
      const drill = await offsiteDrill(join(tmp.path, 's3'), {
        type: 's3',
        bucket: s3.bucket,
        endpoint: s3.endpoint,
        forcePathStyle: true,
        accessKeyId: 'S3RVER',
        secretAccessKey: 'S3RVER',
        checksumMode: 'WHEN_REQUIRED',
        encryption: { keyEnv: 'S3_OFFSITE_KEY' },
      });
      cleanups.push(() => drill.cleanup());
      await drill.fill('s3');
      const up = await drill.cli(['upload', '--json'], 120_000);
      expect(up.code, up.stderr).toBe(0);
      const m = JSON.parse(up.stdout) as SetManifest;
      expect(m.objects.every((o) => o.encrypted)).toBe(true);
      const listed = JSON.parse((await drill.cli(['offsite-list', '--json'])).stdout);
      expect(listed.sets.map((s: SetManifest) => s.setId)).toEqual([m.setId]);
      const expected = await captureDataset(drill.port);

      await drill.crash();
      rmSync(drill.aofDir, { recursive: true, force: true });
      rmSync(drill.rdbFile, { force: true });
      for (const tier of TIERS) rmSync(join(drill.backupDir, drill.name, tier), { recursive: true, force: true });

      const dry = await drill.cli(['recover', '--dry-run']);
      expect(dry.stdout).toMatch(/Runbook:\s+restore-offsite/);
      const run = await drill.cli(['recover', '--yes'], 120_000);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const now = await captureDataset(drill.port);
      expect(keyCount(now)).toBe(keyCount(expected));
      expect(now).toEqual(expected);
      expect(await configGet(drill.port, 'appendonly')).toBe('yes');
      expect(confAppendonly(drill.confPath)).toBe('yes');
      expect(existsSync(join(drill.aofDir, 'appendonly.aof.manifest'))).toBe(true);

      // one flipped byte in a stored AOF object
      const access = await openOffsite(drill.ctx());
      const key = Buffer.from(process.env.S3_OFFSITE_KEY!, 'hex');
      expect((await verifySet(access.target, m, { prefix: 'redback', readData: true, operatorKey: key })).ok).toBe(true);
      const victim = m.objects.find((o) => o.kind === 'aof')!;
      const fullKey = setObjectKey({ prefix: 'redback', agentId: AGENT_ID, instance: drill.name }, m.setId, victim.key);
      const chunks: Buffer[] = [];
      for await (const c of await access.target.get(fullKey)) chunks.push(c as Buffer);
      const bytes = Buffer.concat(chunks);
      bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x10;
      await access.target.put(fullKey, () => Readable.from([bytes]), { size: bytes.length });
      const bad = await verifySet(access.target, m, { prefix: 'redback', readData: true, operatorKey: key });
      expect(bad.ok).toBe(false);
      expect(bad.objects.filter((o) => !o.ok).map((o) => o.key)).toEqual([fullKey]);
      expect(bad.objects.find((o) => !o.ok)!.problem).toMatch(/failed authentication|failed verification/);
    } finally {
      delete process.env.S3_OFFSITE_KEY;
    }
  }, 240_000);
});
