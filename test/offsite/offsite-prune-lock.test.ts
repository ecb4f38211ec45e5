import { existsSync, utimesSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../coordinator/catalog/index.js';
import { objectLockUntil, pruneOffsite, type PruneDeps } from '../../coordinator/offsite/offsite-prune.js';
import { planOffsiteRetention } from '../../coordinator/offsite/retention-plan.js';
import { silentLogger } from '../../shared/log/logger.js';
import { newSetId, sealSetManifest, type SetManifest } from '../../shared/offsite/set-manifest.js';
import { setManifestKey, setObjectKey, setPrefix, type SetOwner } from '../../shared/offsite/set-paths.js';
import { writeSetManifest } from '../../shared/offsite/set-store.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { S3Target } from '../../shared/storage/s3-target.js';
import type { StorageTarget } from '../../shared/storage/storage-target.js';
import { TestS3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const DAY = 86_400_000;
const sha = (c: string) => c.repeat(64);
const owner: SetOwner = { prefix: 'p', agentId: 'host-a', instance: 'main' };

/** A real complete set in `target` (one object and both manifests), created `daysAgo`. */
async function putSet(target: StorageTarget, now: Date, daysAgo: number): Promise<{ setId: string; keys: string[] }> {
  const created = new Date(now.getTime() - daysAgo * DAY);
  const setId = newSetId(created);
  const body = Buffer.from(`rdb of ${setId}`);
  await target.put(setObjectKey(owner, setId, 'rdb'), Readable.from([body]), { size: body.length });
  const manifest: SetManifest = sealSetManifest({
    format: 'redback.set/v1', setId, instance: owner.instance, agentId: owner.agentId, host: 'h', redisVersion: '7.0.15', rdbVersion: 10,
    rdbCrc64: '0'.repeat(16), keys: { '0': 1 }, expires: {}, usedMem: null, snapshotAt: null, startedAt: created.toISOString(), createdAt: created.toISOString(),
    rdbSource: { kind: 'bgsave', copyId: null }, aof: null, encryption: null,
    objects: [{ key: 'rdb', kind: 'rdb', name: 'dump.rdb', plainBytes: body.length, plainSha256: sha('a'), storedBytes: body.length, storedSha256: sha('b'), compression: 'none', encrypted: false }],
    producer: 'test',
  } as Omit<SetManifest, 'checksum'>);
  await writeSetManifest(target, owner, manifest);
  const keys: string[] = [];
  for await (const e of target.list(setPrefix(owner, setId))) keys.push(e.key);
  expect(keys).toContain(setManifestKey(owner, setId));
  expect(keys.length).toBeGreaterThanOrEqual(3); // the object, manifest.json, manifest.copy.json
  return { setId, keys };
}

function deps(store: StorageTarget, extra: Partial<PruneDeps> = {}): PruneDeps {
  return { catalog: Catalog.open(':memory:'), store, prefix: 'p', policy: { days: 5, weekly: 0, monthly: 0 }, incompleteAfterMs: DAY, logger: silentLogger, ...extra };
}

describe('offsite retention and Object Lock', () => {
  const now = new Date();

  it('a retain-until date comes from the store, or from the upload time + the configured days, whichever is later', () => {
    const modified = new Date('2026-11-01T00:00:00Z');
    expect(objectLockUntil({ modified })).toBeNull();
    expect(objectLockUntil({ modified }, { days: 30 })).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(objectLockUntil({ modified, lockedUntil: new Date('2026-11-10T00:00:00Z') })).toEqual(new Date('2026-11-10T00:00:00Z'));
    // HeadObject reports less than redback put (a caller without s3:GetObjectRetention sees none at all): the config wins
    expect(objectLockUntil({ modified, lockedUntil: new Date('2026-11-10T00:00:00Z') }, { days: 30 })).toEqual(new Date('2026-12-01T00:00:00Z'));
    // a bucket default longer than redback's: the store's date wins
    expect(objectLockUntil({ modified, lockedUntil: new Date('2027-01-01T00:00:00Z') }, { days: 30 })).toEqual(new Date('2027-01-01T00:00:00Z'));
  });

  it('the plan keeps sets under a legal hold or an unexpired lock, and deletes once the lock expired', () => {
    const t = new Date('2026-12-04T12:00:00Z');
    const plan = planOffsiteRetention(
      [
        { setId: 'new', createdAt: new Date(t.getTime() - DAY), complete: true, lockedUntil: null },
        { setId: 'held', createdAt: new Date(t.getTime() - 90 * DAY), complete: true, lockedUntil: new Date(t.getTime() - DAY), legalHold: true },
        { setId: 'locked', createdAt: new Date(t.getTime() - 90 * DAY), complete: true, lockedUntil: new Date(t.getTime() + DAY) },
        { setId: 'expired', createdAt: new Date(t.getTime() - 90 * DAY), complete: true, lockedUntil: new Date(t.getTime() - 1000) },
        { setId: 'inc-locked', createdAt: new Date(t.getTime() - 3 * DAY), complete: false, lockedUntil: new Date(t.getTime() + DAY) },
      ],
      { days: 30, weekly: 0, monthly: 0 },
      t,
    );
    const by = (id: string) => plan.find((d) => d.setId === id)!;
    expect(by('held')).toMatchObject({ action: 'keep', reason: 'under an Object Lock legal hold' });
    expect(by('locked')).toMatchObject({ action: 'keep', reason: `under Object Lock until ${new Date(t.getTime() + DAY).toISOString()}` });
    expect(by('expired').action).toBe('delete');
    expect(by('inc-locked')).toMatchObject({ action: 'keep', reason: expect.stringContaining('incomplete but under Object Lock') });
  });

  it('prune (real store, upload times from the files) never deletes a set whose retention has not expired; the dry run says why', async () => {
    const tmp = makeTempDir();
    try {
      const store = new LocalDirTarget(tmp.path);
      await putSet(store, now, 1); // newest
      const young = await putSet(store, now, 10); // locked until +20 days
      const old = await putSet(store, now, 40); // lock expired 10 days ago
      // the objects' upload times: what HeadObject's LastModified says on S3
      for (const [set, days] of [[young, 10], [old, 40]] as const) {
        for (const key of set.keys) utimesSync(store.pathOf(key), new Date(now.getTime() - days * DAY), new Date(now.getTime() - days * DAY));
      }
      const withLock = deps(store, { objectLock: { days: 30 } });
      const dry = await pruneOffsite(withLock, { dryRun: true }, now);
      expect(dry.decisions.find((d) => d.setId === young.setId)).toMatchObject({ action: 'keep', reason: expect.stringMatching(/^under Object Lock until /) });
      expect(dry.decisions.find((d) => d.setId === old.setId)!.action).toBe('delete');
      const run = await pruneOffsite(withLock, { dryRun: false }, now);
      expect(run.deletedSets).toBe(1);
      expect(young.keys.every((k) => existsSync(store.pathOf(k)))).toBe(true);
      expect(old.keys.some((k) => existsSync(store.pathOf(k)))).toBe(false);
      // without Object Lock configured, the same set goes
      const again = await pruneOffsite(deps(store), { dryRun: false }, now);
      expect(again.deletedSets).toBe(1);
      expect(young.keys.some((k) => existsSync(store.pathOf(k)))).toBe(false);
    } finally {
      tmp.cleanup();
    }
  });

  describe('against s3rver', () => {
    let server: TestS3Server;
    beforeAll(async () => {
      server = await TestS3Server.start();
    }, 30_000);
    afterAll(async () => {
      await server.stop();
    });

    it('a store without ListMultipartUploads: prune still deletes what it should and reports why no upload was aborted', async () => {
      const target = new S3Target(server.targetOptions());
      try {
        await putSet(target, now, 1);
        const old = await putSet(target, now, 40);
        const out = await pruneOffsite(deps(target), { dryRun: false }, now);
        expect(out.deletedSets).toBe(1);
        expect(out.decisions.find((d) => d.setId === old.setId)!.action).toBe('delete');
        expect(await target.stat(old.keys[0]!)).toBeNull();
        expect(out.abortedUploads).toBe(0);
        expect(out.abortProblem).toMatch(/lifecycle rule/);
      } finally {
        target.destroy();
      }
    }, 60_000);
  });
});
