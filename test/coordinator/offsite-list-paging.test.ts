import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Catalog } from '../../coordinator/catalog/index.js';
import { DEFAULT_PAGE_SIZE } from '../../coordinator/rpc/paging.js';
import { sealSetManifest, type SetManifest } from '../../shared/offsite/set-manifest.js';
import { runCliJson } from '../helpers/cli.js';
import { TestFleet } from '../helpers/fleet-fixture.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const sha = (c: string) => c.repeat(64);

function manifest(setId: string, createdAt: string, instance: string, agentId: string): SetManifest {
  return sealSetManifest({
    format: 'redback.set/v1', setId, instance, agentId, host: 'h', redisVersion: '7.0.15', rdbVersion: 10, rdbCrc64: '0'.repeat(16),
    keys: { '0': 3 }, expires: {}, usedMem: null, snapshotAt: null, startedAt: createdAt, createdAt,
    rdbSource: { kind: 'bgsave', copyId: null }, aof: null, encryption: null,
    objects: [{ key: 'rdb.zst', kind: 'rdb', name: 'dump.rdb', plainBytes: 100, plainSha256: sha('a'), storedBytes: 40, storedSha256: sha('b'), compression: 'zstd', encrypted: false }],
    producer: 'test',
  } as Omit<SetManifest, 'checksum'>);
}

const where = { bucket: 'b', prefix: 'p', manifestKey: 'k' };

/** `count` sets over a few agents and instances; many share a created_at (ties are ordered by the rest of the key). */
function seed(catalog: Catalog, count: number): void {
  for (let i = 0; i < count; i++) {
    const t = new Date(Date.UTC(2026, 10, 1) + Math.floor(i / 3) * 60_000).toISOString();
    const id = `${t.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${(i % 7).toString(16).padStart(6, '0')}`;
    catalog.offsite.record(manifest(id, t, `inst-${i % 4}`, `agent-${i % 2}`), where);
  }
}

const keyOf = (s: { agentId: string; instance: string; setId: string }) => `${s.agentId}/${s.instance}/${s.setId}`;

describe('offsite sets are listed page by page', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  it('catalog pages (keyset) walk every set once, newest first, and a set added meanwhile shifts nothing', () => {
    const catalog = Catalog.open(':memory:');
    seed(catalog, 100);
    const all = catalog.offsite.list();
    const seen: string[] = [];
    let after: Parameters<typeof catalog.offsite.page>[0]['after'];
    for (let round = 0; ; round++) {
      const page = catalog.offsite.page({ limit: 7, ...(after ? { after } : {}) });
      if (round === 2) catalog.offsite.record(manifest('20261101T000000Z-ffffff', '2026-11-01T00:00:00.000Z', 'inst-0', 'agent-0'), where); // older than page 2's end: listed later, once
      if (round === 3) catalog.offsite.record(manifest('20991231T000000Z-ffffff', '2099-12-31T00:00:00.000Z', 'inst-0', 'agent-0'), where); // newer than every page: not in this walk
      if (page.length === 0) break;
      seen.push(...page.map(keyOf));
      const last = page[page.length - 1]!;
      after = { createdAt: last.createdAt.getTime(), setId: last.setId, agentId: last.agentId, instance: last.instance };
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toHaveLength(101);
    const times = seen.map((k) => k.split('/')[2]!);
    expect([...times].sort().reverse()).toEqual(times.slice().sort().reverse());
    expect(new Set(seen)).toEqual(new Set([...all.map(keyOf), 'agent-0/inst-0/20261101T000000Z-ffffff']));
    // a filter pages too
    const inst1 = catalog.offsite.page({ instance: 'inst-1', agentId: 'agent-1', limit: 1000 });
    expect(inst1.map(keyOf)).toEqual(all.filter((s) => s.instance === 'inst-1' && s.agentId === 'agent-1').map(keyOf));
  });

  it('`redback offsite list --json` follows next_page_token: every one of more sets than a page holds', async () => {
    const count = DEFAULT_PAGE_SIZE * 2 + 37;
    mkdirSync(join(tmp.path, 'catalog'), { recursive: true });
    const catalog = Catalog.open(join(tmp.path, 'catalog', 'catalog.db'));
    seed(catalog, count);
    catalog.close();
    await fleet.writeCoordinatorConfig({
      offsite: { type: 'local', path: join(tmp.path, 'store'), prefix: 'p', schedule: '0 2 1 1 *', catchUpAfter: null, pruneAfterUpload: false },
    });
    await fleet.startCoordinator();
    const r = await runCliJson<{ sets: Array<{ agentId: string; instance: string; setId: string }>; target: string }>(['offsite', 'list', '--json'], { env: fleet.env, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.json.sets).toHaveLength(count);
    expect(new Set(r.json.sets.map(keyOf)).size).toBe(count);
    expect(r.json.target).toContain('store');
  }, 180_000);
});
