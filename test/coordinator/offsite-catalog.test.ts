import { describe, expect, it } from 'vitest';
import { Catalog } from '../../coordinator/catalog/index.js';
import { sealSetManifest, type SetManifest } from '../../shared/offsite/set-manifest.js';

const sha = (c: string) => c.repeat(64);

function manifest(setId: string, createdAt: string, instance = 'main'): SetManifest {
  return sealSetManifest({
    format: 'redback.set/v1',
    setId,
    instance,
    agentId: 'host-a',
    host: 'h',
    redisVersion: '7.0.15',
    rdbVersion: 10,
    rdbCrc64: '0'.repeat(16),
    keys: { '0': 3 },
    expires: {},
    usedMem: null,
    snapshotAt: null,
    startedAt: createdAt,
    createdAt,
    rdbSource: { kind: 'bgsave', copyId: null },
    aof: null,
    encryption: null,
    objects: [
      { key: 'rdb.zst', kind: 'rdb', name: 'dump.rdb', plainBytes: 100, plainSha256: sha('a'), storedBytes: 40, storedSha256: sha('b'), compression: 'zstd', encrypted: false },
      { key: 'redis.conf.zst', kind: 'config', name: 'redis.conf', plainBytes: 10, plainSha256: sha('c'), storedBytes: 8, storedSha256: sha('d'), compression: 'zstd', encrypted: false },
    ],
    producer: 'test',
  } as Omit<SetManifest, 'checksum'>);
}

describe('catalog: offsite sets and objects', () => {
  it('records sets with every object, lists newest first, keeps verify outcomes, deletes with their objects', () => {
    const catalog = Catalog.open(':memory:');
    const where = { bucket: 'b', prefix: 'p', manifestKey: 'k' };
    catalog.offsite.record(manifest('20261201T020000Z-aaaaaa', '2026-12-01T02:00:00.000Z'), where);
    catalog.offsite.record(manifest('20261202T020000Z-bbbbbb', '2026-12-02T02:00:00.000Z'), where);
    catalog.offsite.record(manifest('20261202T020000Z-bbbbbb', '2026-12-02T02:00:00.000Z'), where); // idempotent
    catalog.offsite.record(manifest('20261203T020000Z-cccccc', '2026-12-03T02:00:00.000Z', 'other'), where);

    const main = catalog.offsite.list({ instance: 'main', includeObjects: true });
    expect(main.map((s) => s.setId)).toEqual(['20261202T020000Z-bbbbbb', '20261201T020000Z-aaaaaa']);
    expect(main[0]).toMatchObject({ state: 'complete', plainBytes: 110, storedBytes: 48, objectCount: 2, verifyState: 'never' });
    expect(main[0]!.objects!.map((o) => [o.key, o.plainSha256])).toEqual([
      ['rdb.zst', sha('a')],
      ['redis.conf.zst', sha('c')],
    ]);
    expect(catalog.offsite.counts()).toEqual({ sets: 3, objects: 6 });
    expect(catalog.offsite.newestComplete().get('host-a/main')?.toISOString()).toBe('2026-12-02T02:00:00.000Z');
    expect(catalog.offsite.newestSets().find((s) => s.instance === 'main')).toMatchObject({ storedBytes: 48, createdAt: new Date('2026-12-02T02:00:00.000Z') });

    const key = { agentId: 'host-a', instance: 'main', setId: '20261202T020000Z-bbbbbb' };
    catalog.offsite.recordVerify(key, false, 'rdb.zst: sha mismatch', [{ key: 'rdb.zst', ok: false, problem: 'sha mismatch' }, { key: 'redis.conf.zst', ok: true, problem: null }]);
    const verified = catalog.offsite.list({ instance: 'main', includeObjects: true })[0]!;
    expect(verified.verifyState).toBe('failed');
    expect(verified.verifiedAt).not.toBeNull();
    expect(verified.objects!.map((o) => o.verifyState)).toEqual(['failed', 'ok']);

    catalog.offsite.delete(key);
    expect(catalog.offsite.counts()).toEqual({ sets: 2, objects: 4 });
    catalog.close();
  });
});
