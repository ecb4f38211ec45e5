import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Catalog,
  LATEST_SCHEMA_VERSION,
  MIGRATIONS,
  checkMigrations,
  migrate,
  type AgentHelloInput,
  type CopyInput,
  type HeartbeatInput,
  type Migration,
} from '../../coordinator/catalog/index.js';
import { RedbackError } from '../../shared/errors/index.js';
import { parseManifest, sealManifest, type CopyManifest, type CopyManifestBody, type Tier } from '../../shared/manifest/copy-manifest.js';
import { HOUR, MINUTE, ManualClock } from '../../shared/time/clock.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const T0 = new Date('2026-05-10T12:00:00.000Z');
const BACKUP_DIR = '/var/lib/redback';

/** A real, sealed CopyManifest (its checksum verifies). */
function manifest(instance: string, id: string, tier: Tier, createdAt: Date | string, overrides: Partial<CopyManifestBody> = {}): CopyManifest {
  const path = `${BACKUP_DIR}/${instance}/${tier}/${id}.rdb`;
  return sealManifest({
    format: 'redback.copy/v1',
    id,
    instance,
    tier,
    path,
    file: `${id}.rdb`,
    bytes: 1024,
    sha256: createHash('sha256').update(`${instance}/${id}`).digest('hex'),
    crc64: '0123456789abcdef',
    rdbVersion: 10,
    redisVersion: '7.0.15',
    createdAt: new Date(createdAt).toISOString(),
    snapshotAt: new Date(createdAt).toISOString(),
    usedMem: 1_000_000,
    aofBase: false,
    keys: { '0': 10, '3': 2 },
    expires: { '0': 1 },
    source: 'bgsave',
    linkedFrom: null,
    pinned: false,
    host: 'host-a',
    redisRunId: null,
    producer: 'redback/0.1.0',
    ...overrides,
  });
}

function copy(m: CopyManifest, path = m.path): CopyInput {
  return { manifest: m, path };
}

function hello(agentId: string, instances: string[], extra: Partial<AgentHelloInput> = {}): AgentHelloInput {
  return {
    agentId,
    hostname: `${agentId}.example`,
    agentVersion: '0.1.0',
    protocolVersion: 1,
    transferAddress: `${agentId}.example:7070`,
    instances: instances.map((name, i) => ({ name, address: `127.0.0.1:${6379 + i}`, redisVersion: '7.0.15', role: 'master' })),
    ...extra,
  };
}

function heartbeat(agentId: string, at: Date, instances: HeartbeatInput['instances']): HeartbeatInput {
  return { agentId, at, backupFreeBytes: 5_000, backupTotalBytes: 10_000, instances };
}

describe('catalog', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let dbPath: string;
  let clock: ManualClock;
  let catalog: Catalog;

  beforeEach(() => {
    tmp = makeTempDir('redback-catalog-');
    dbPath = join(tmp.path, 'state', 'nested', 'catalog.db');
    clock = new ManualClock(T0);
    catalog = Catalog.open(dbPath, { clock });
  });

  afterEach(() => {
    catalog.close();
    tmp.cleanup();
  });

  describe('opening and migrations', () => {
    it('creates the parent directory 0700 and the file 0600, in WAL mode, at the latest schema version', () => {
      expect(statSync(join(tmp.path, 'state')).mode & 0o777).toBe(0o700);
      expect(statSync(join(tmp.path, 'state', 'nested')).mode & 0o777).toBe(0o700);
      expect(statSync(dbPath).mode & 0o777).toBe(0o600);
      expect(catalog.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
      const raw = new Database(dbPath, { readonly: true });
      try {
        expect(raw.pragma('journal_mode', { simple: true })).toBe('wal');
        expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
        const tables = (raw.prepare(`SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map(
          (r) => r.name,
        );
        expect(tables).toEqual(
          expect.arrayContaining(['agents', 'instances', 'backups', 'backup_locations', 'jobs', 'job_events', 'offsite_sets']),
        );
      } finally {
        raw.close();
      }
    });

    it('re-opening applies nothing and keeps the data', () => {
      catalog.upsertAgent(hello('a1', ['cache']));
      catalog.close();
      const raw = new Database(dbPath);
      const report = migrate(raw);
      expect(report).toEqual({ from: LATEST_SCHEMA_VERSION, to: LATEST_SCHEMA_VERSION, applied: [] });
      raw.close();
      catalog = Catalog.open(dbPath, { clock });
      expect(catalog.listAgents().map((a) => a.agentId)).toEqual(['a1']);
    });

    it('applies pending migrations once, in order, each with its user_version', () => {
      const raw = new Database(':memory:');
      const steps: Migration[] = [
        { version: 1, description: 'one', up: 'CREATE TABLE t1 (x INTEGER) STRICT;' },
        { version: 2, description: 'two', up: 'ALTER TABLE t1 ADD COLUMN y TEXT; CREATE TABLE t2 (z INTEGER) STRICT;' },
      ];
      expect(migrate(raw, steps.slice(0, 1))).toEqual({ from: 0, to: 1, applied: [1] });
      expect(migrate(raw, steps)).toEqual({ from: 1, to: 2, applied: [2] });
      expect(migrate(raw, steps)).toEqual({ from: 2, to: 2, applied: [] });
      expect(raw.prepare('SELECT y FROM t1').all()).toEqual([]);
      raw.close();
    });

    it('a failing migration rolls back completely and leaves user_version as it was', () => {
      const raw = new Database(':memory:');
      const steps: Migration[] = [
        { version: 1, description: 'one', up: 'CREATE TABLE t1 (x INTEGER);' },
        { version: 2, description: 'broken', up: 'CREATE TABLE t2 (x INTEGER); THIS IS NOT SQL;' },
      ];
      expect(() => migrate(raw, steps)).toThrow(/catalog migration 2 \(broken\) failed/);
      expect(raw.pragma('user_version', { simple: true })).toBe(1);
      expect(raw.prepare(`SELECT name FROM sqlite_schema WHERE name = 't2'`).get()).toBeUndefined();
      raw.close();
    });

    it('migration versions must be contiguous from 1', () => {
      expect(() => checkMigrations(MIGRATIONS)).not.toThrow();
      expect(() => checkMigrations([{ version: 2, description: 'x', up: '' }])).toThrow(/expected 1/);
    });

    it('refuses a catalog written by a newer redback, with a hint, and does not touch it', () => {
      catalog.close();
      const raw = new Database(dbPath);
      raw.pragma(`user_version = ${LATEST_SCHEMA_VERSION + 7}`);
      raw.close();
      let error: unknown;
      try {
        Catalog.open(dbPath, { clock });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(RedbackError);
      const e = error as RedbackError;
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 7}, newer than this redback understands (${LATEST_SCHEMA_VERSION})`);
      expect(e.hint).toMatch(/fresh catalog file.*re-send/);
      const check = new Database(dbPath, { readonly: true });
      expect(check.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION + 7);
      check.close();
      catalog = Catalog.open(join(tmp.path, 'other.db'), { clock }); // for afterEach
    });

    it('refuses a file that is not a database with CONFIG_INVALID', async () => {
      const { writeFileSync } = await import('node:fs');
      const bogus = join(tmp.path, 'bogus.db');
      writeFileSync(bogus, 'this is not sqlite, not even close'.repeat(100));
      expect(() => Catalog.open(bogus)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID', hint: expect.stringMatching(/move it aside.*re-send/) }));
    });
  });

  describe('agents, instances and heartbeats', () => {
    it('upsertAgent records the agent as connected and its instances', () => {
      const agent = catalog.upsertAgent(hello('a1', ['cache', 'sessions']));
      expect(agent).toMatchObject({
        agentId: 'a1',
        hostname: 'a1.example',
        protocolVersion: 1,
        transferAddress: 'a1.example:7070',
        connected: true,
        connectedSince: T0,
        firstSeenAt: T0,
        lastSeenAt: T0,
        lastHeartbeatAt: null,
        disconnectedAt: null,
        instances: ['cache', 'sessions'],
      });
      const instances = catalog.listInstances();
      expect(instances.map((i) => [i.agentId, i.name, i.address, i.role, i.up])).toEqual([
        ['a1', 'cache', '127.0.0.1:6379', 'master', null],
        ['a1', 'sessions', '127.0.0.1:6380', 'master', null],
      ]);
    });

    it('instances missing from a later Hello get removed_at; re-appearing clears it', () => {
      catalog.upsertAgent(hello('a1', ['cache', 'sessions']));
      clock.advance(MINUTE);
      catalog.upsertAgent(hello('a1', ['cache']));
      expect(catalog.listInstances().map((i) => i.name)).toEqual(['cache']);
      const all = catalog.listInstances({ includeRemoved: true });
      expect(all.find((i) => i.name === 'sessions')!.removedAt).toEqual(new Date(T0.getTime() + MINUTE));
      expect(catalog.getAgent('a1')!.instances).toEqual(['cache']);
      clock.advance(MINUTE);
      catalog.upsertAgent(hello('a1', ['cache', 'sessions']));
      expect(catalog.getInstance('a1', 'sessions')!.removedAt).toBeNull();
      expect(catalog.getAgent('a1')!.firstSeenAt).toEqual(T0);
    });

    it('markDisconnected / markAllDisconnected and reconnect', () => {
      catalog.upsertAgent(hello('a1', []));
      catalog.upsertAgent(hello('a2', []));
      clock.advance(MINUTE);
      expect(catalog.markDisconnected('a1')).toBe(true);
      expect(catalog.markDisconnected('a1')).toBe(false);
      expect(catalog.markDisconnected('nobody')).toBe(false);
      expect(catalog.getAgent('a1')).toMatchObject({ connected: false, disconnectedAt: clock.now() });
      expect(catalog.markAllDisconnected()).toBe(1);
      clock.advance(MINUTE);
      expect(catalog.upsertAgent(hello('a1', []))).toMatchObject({ connected: true, connectedSince: clock.now(), disconnectedAt: null });
    });

    it('a heartbeat batch updates agents and instance health in one go; unknown agents are skipped', () => {
      catalog.upsertAgent(hello('a1', ['cache', 'sessions']));
      catalog.upsertAgent(hello('a2', ['cache']));
      const at = new Date(T0.getTime() + 5000);
      const result = catalog.recordHeartbeats([
        heartbeat('a1', at, [
          {
            name: 'cache',
            up: true,
            role: 'master',
            loading: false,
            dbsize: 42,
            usedMemory: 1_048_576,
            rdbLastBgsaveStatus: 'ok',
            rdbLastSaveTime: 1_778_400_000,
            aofEnabled: true,
            aofLastWriteStatus: 'ok',
            aofLastBgrewriteStatus: 'ok',
            error: '',
          },
          { name: 'sessions', up: false, error: 'connection refused' },
        ]),
        heartbeat('ghost', at, [{ name: 'x', up: true }]),
        heartbeat('a2', at, [{ name: 'cache', up: true, role: 'replica', dbsize: 7 }]),
      ]);
      expect(result).toEqual({ agents: 2, instances: 3, unknownAgents: ['ghost'] });
      expect(catalog.getAgent('a1')).toMatchObject({ lastHeartbeatAt: at, lastSeenAt: at, backupFreeBytes: 5000, backupTotalBytes: 10000 });
      expect(catalog.getInstance('a1', 'cache')).toMatchObject({
        up: true,
        loading: false,
        dbsize: 42,
        usedMemory: 1_048_576,
        rdbLastBgsaveStatus: 'ok',
        rdbLastSaveTime: 1_778_400_000,
        aofEnabled: true,
        aofLastWriteStatus: 'ok',
        healthError: null,
        healthAt: at,
        address: '127.0.0.1:6379',
      });
      expect(catalog.getInstance('a1', 'sessions')).toMatchObject({ up: false, healthError: 'connection refused', role: 'master' });
      expect(catalog.getInstance('a2', 'cache')).toMatchObject({ up: true, role: 'replica', dbsize: 7 });
      expect(catalog.getAgent('ghost')).toBeNull();
    });

    it('findInstances returns every agent with that name, current ones first', () => {
      catalog.upsertAgent(hello('a1', ['cache']));
      catalog.upsertAgent(hello('a2', ['cache', 'other']));
      catalog.upsertAgent(hello('a0', ['cache']));
      catalog.upsertAgent(hello('a0', []));
      const found = catalog.findInstances('cache');
      expect(found.map((i) => [i.agentId, i.removedAt === null])).toEqual([
        ['a1', true],
        ['a2', true],
        ['a0', false],
      ]);
      expect(catalog.findInstances('nope')).toEqual([]);
    });
  });

  describe('inventory and copy events', () => {
    beforeEach(() => {
      catalog.upsertAgent(hello('a1', ['cache', 'sessions']));
    });

    const m1 = manifest('cache', '20260510T100000Z-aaaaaa', 'hourly', '2026-05-10T10:00:00Z');
    const m2 = manifest('cache', '20260510T110000Z-bbbbbb', 'hourly', '2026-05-10T11:00:00Z');
    const m3 = manifest('sessions', '20260510T000500Z-cccccc', 'daily', '2026-05-10T00:05:00Z');

    it('the manifests built for these tests are real (checksum verifies)', () => {
      expect(parseManifest(JSON.stringify(m1))).toEqual({ ok: true, manifest: m1 });
    });

    it('adds unknown copies, marks unlisted ones gone, revives re-appearing ones, and is idempotent', () => {
      const first = catalog.applyInventory('a1', [copy(m1), copy(m2), copy(m3)]);
      expect(first).toEqual({
        added: ['cache/20260510T100000Z-aaaaaa', 'cache/20260510T110000Z-bbbbbb', 'sessions/20260510T000500Z-cccccc'],
        gone: [],
        revived: [],
        unchanged: 0,
        rejected: [],
      });
      expect(catalog.applyInventory('a1', [copy(m1), copy(m2), copy(m3)])).toEqual({
        added: [],
        gone: [],
        revived: [],
        unchanged: 3,
        rejected: [],
      });

      clock.advance(HOUR);
      const second = catalog.applyInventory('a1', [copy(m2), copy(m3)]);
      expect(second).toMatchObject({ added: [], gone: ['cache/20260510T100000Z-aaaaaa'], unchanged: 2 });
      const gone = catalog.getBackup('a1', 'cache', m1.id)!;
      expect(gone.state).toBe('gone');
      expect(gone.locations).toEqual([
        { kind: 'local', location: m1.path, state: 'gone', firstSeenAt: T0, lastSeenAt: T0, goneAt: clock.now() },
      ]);
      // Idempotent: the same list again changes nothing.
      expect(catalog.applyInventory('a1', [copy(m2), copy(m3)])).toEqual({ added: [], gone: [], revived: [], unchanged: 2, rejected: [] });

      clock.advance(HOUR);
      const third = catalog.applyInventory('a1', [copy(m1), copy(m2), copy(m3)]);
      expect(third).toMatchObject({ added: [], gone: [], revived: ['cache/20260510T100000Z-aaaaaa'], unchanged: 2 });
      expect(catalog.getBackup('a1', 'cache', m1.id)!.locations[0]).toMatchObject({ state: 'present', goneAt: null, lastSeenAt: clock.now() });
      expect(catalog.getBackup('a1', 'cache', m1.id)!.firstSeenAt).toEqual(T0);
    });

    it('an empty inventory marks every local copy of that agent gone, and only that agent', () => {
      catalog.upsertAgent(hello('a2', ['cache']));
      const other = manifest('cache', '20260510T110000Z-dddddd', 'hourly', '2026-05-10T11:00:00Z');
      catalog.applyInventory('a2', [copy(other)]);
      catalog.applyInventory('a1', [copy(m1), copy(m2)]);
      expect(catalog.applyInventory('a1', []).gone.sort()).toEqual([`cache/${m1.id}`, `cache/${m2.id}`]);
      expect(catalog.getBackup('a2', 'cache', other.id)!.state).toBe('present');
    });

    it('a copy listed at a new path (moved backup directory) is not reported gone', () => {
      catalog.applyInventory('a1', [copy(m1)]);
      const moved = '/srv/redback/cache/hourly/' + m1.file;
      const result = catalog.applyInventory('a1', [copy(m1, moved)]);
      expect(result).toMatchObject({ added: [`cache/${m1.id}`], gone: [] });
      const b = catalog.getBackup('a1', 'cache', m1.id)!;
      expect(b.state).toBe('present');
      expect(b.locations.map((l) => [l.location, l.state])).toEqual([
        [moved, 'present'],
        [m1.path, 'gone'],
      ]);
    });

    it('a rewritten manifest (pinned) updates the index; a copy with an unparseable createdAt is rejected alone', () => {
      catalog.applyInventory('a1', [copy(m1)]);
      const { checksum: _old, ...body } = m1;
      const pinned = sealManifest({ ...body, pinned: true });
      const bad = manifest('cache', 'bad', 'hourly', T0, { createdAt: 'yesterday-ish' });
      const result = catalog.applyInventory('a1', [copy(pinned), copy(bad)]);
      expect(result.unchanged).toBe(1);
      expect(result.rejected).toEqual([{ ref: 'cache/bad', reason: 'createdAt "yesterday-ish" is not a time' }]);
      expect(catalog.getBackup('a1', 'cache', m1.id)!.manifest.pinned).toBe(true);
      expect(catalog.getBackup('a1', 'cache', 'bad')).toBeNull();
    });

    it('recordCopyCreated / recordCopyDeleted', () => {
      expect(catalog.recordCopyCreated('a1', m1, m1.path)).toBe('added');
      expect(catalog.recordCopyCreated('a1', m1, m1.path)).toBe('unchanged');
      const b = catalog.getBackup('a1', 'cache', m1.id)!;
      expect(b).toMatchObject({
        agentId: 'a1',
        instance: 'cache',
        id: m1.id,
        tier: 'hourly',
        bytes: 1024,
        sha256: m1.sha256,
        crc64: m1.crc64,
        createdAt: new Date('2026-05-10T10:00:00Z'),
        rdbVersion: 10,
        redisVersion: '7.0.15',
        keys: { '0': 10, '3': 2 },
        state: 'present',
      });
      expect(b.manifest).toEqual(m1);
      clock.advance(MINUTE);
      expect(catalog.recordCopyDeleted('a1', 'cache', m1.id)).toBe(true);
      expect(catalog.recordCopyDeleted('a1', 'cache', m1.id)).toBe(false);
      expect(catalog.getBackup('a1', 'cache', m1.id)!.state).toBe('gone');
      expect(catalog.recordCopyCreated('a1', m1, m1.path)).toBe('revived');
      expect(() => catalog.recordCopyCreated('a1', manifest('cache', 'x', 'hourly', T0, { createdAt: 'never' }), '/x')).toThrow(
        expect.objectContaining({ code: 'USAGE' }),
      );
    });
  });

  describe('backup queries', () => {
    const at = (h: number) => new Date(T0.getTime() - h * HOUR);
    const h1 = manifest('cache', 'h1', 'hourly', at(1));
    const h2 = manifest('cache', 'h2', 'hourly', at(2));
    const h3gone = manifest('cache', 'h3', 'hourly', at(0.5));
    const d1 = manifest('cache', 'd1', 'daily', at(12));
    const m1 = manifest('cache', 'm1', 'manual', at(0.25));
    const s1 = manifest('sessions', 's1', 'hourly', at(3));
    const b2 = manifest('cache', 'b2', 'daily', at(5));

    beforeEach(() => {
      catalog.upsertAgent(hello('a1', ['cache', 'sessions']));
      catalog.upsertAgent(hello('a2', ['cache']));
      catalog.applyInventory('a1', [copy(h1), copy(h2), copy(h3gone), copy(d1), copy(m1), copy(s1)]);
      catalog.recordCopyDeleted('a1', 'cache', 'h3');
      catalog.applyInventory('a2', [copy(b2)]);
    });

    it('listInstances gives the newest present copy per tier', () => {
      const cache = catalog.listInstances().find((i) => i.agentId === 'a1' && i.name === 'cache')!;
      expect(cache.newestHourlyAt).toEqual(at(1)); // h3 is newer but gone
      expect(cache.newestDailyAt).toEqual(at(12));
      expect(cache.newestAnyAt).toEqual(at(0.25)); // the manual copy
      const sessions = catalog.getInstance('a1', 'sessions')!;
      expect([sessions.newestHourlyAt, sessions.newestDailyAt, sessions.newestAnyAt]).toEqual([at(3), null, at(3)]);
      const other = catalog.getInstance('a2', 'cache')!;
      expect([other.newestHourlyAt, other.newestDailyAt, other.newestAnyAt]).toEqual([null, at(5), at(5)]);
      expect(catalog.listInstances({ agentId: 'a2' }).map((i) => i.name)).toEqual(['cache']);
    });

    it('an offsite location keeps a backup alive after its local copy is gone', () => {
      catalog.insertOffsiteSet({
        agentId: 'a1',
        instance: 'cache',
        setId: 'set-1',
        bucket: 'bkt',
        prefix: 'fleet/a1/cache/set-1/',
        manifestKey: 'fleet/a1/cache/set-1/manifest.json',
        createdAt: T0,
        bytes: 4096,
        rdbBackupId: 'h3',
        state: 'complete',
        manifest: { files: ['dump.rdb'] },
        rdb: { manifest: h3gone, key: 'fleet/a1/cache/set-1/dump.rdb' },
      });
      const b = catalog.getBackup('a1', 'cache', 'h3')!;
      expect(b.state).toBe('present');
      expect(b.locations.map((l) => [l.kind, l.location, l.state])).toEqual([
        ['local', h3gone.path, 'gone'],
        ['offsite', 'fleet/a1/cache/set-1/dump.rdb', 'present'],
      ]);
      expect(catalog.getInstance('a1', 'cache')!.newestHourlyAt).toEqual(at(0.5));
      expect(catalog.listOffsiteSets({ agentId: 'a1', instance: 'cache' })).toEqual([
        {
          agentId: 'a1',
          instance: 'cache',
          setId: 'set-1',
          bucket: 'bkt',
          prefix: 'fleet/a1/cache/set-1/',
          manifestKey: 'fleet/a1/cache/set-1/manifest.json',
          createdAt: T0,
          bytes: 4096,
          rdbBackupId: 'h3',
          state: 'complete',
          manifest: { files: ['dump.rdb'] },
        },
      ]);
    });

    it('listBackups: newest first, filters by instance and agent, hides gone ones unless asked', () => {
      expect(catalog.listBackups().map((b) => b.id)).toEqual(['m1', 'h1', 'h2', 's1', 'b2', 'd1']);
      expect(catalog.listBackups({ instance: 'cache' }).map((b) => `${b.agentId}:${b.id}`)).toEqual([
        'a1:m1',
        'a1:h1',
        'a1:h2',
        'a2:b2',
        'a1:d1',
      ]);
      expect(catalog.listBackups({ agentId: 'a2' }).map((b) => b.id)).toEqual(['b2']);
      expect(catalog.listBackups({ agentId: 'a1', instance: 'sessions' }).map((b) => b.id)).toEqual(['s1']);
      const withGone = catalog.listBackups({ instance: 'cache', includeGone: true });
      expect(withGone.map((b) => [b.id, b.state])).toEqual([
        ['m1', 'present'],
        ['h3', 'gone'],
        ['h1', 'present'],
        ['h2', 'present'],
        ['b2', 'present'],
        ['d1', 'present'],
      ]);
      expect(withGone[1]!.locations).toHaveLength(1);
      expect(catalog.listBackups({ limit: 2 }).map((b) => b.id)).toEqual(['m1', 'h1']);
      expect(catalog.listBackups()[0]!.locations).toEqual([
        { kind: 'local', location: m1.path, state: 'present', firstSeenAt: T0, lastSeenAt: T0, goneAt: null },
      ]);
    });

    it('newestBackup by tier and before a time, skipping gone copies', () => {
      expect(catalog.newestBackup('a1', 'cache')!.id).toBe('m1');
      expect(catalog.newestBackup('a1', 'cache', { tier: 'hourly' })!.id).toBe('h1');
      expect(catalog.newestBackup('a1', 'cache', { tier: 'daily' })!.id).toBe('d1');
      expect(catalog.newestBackup('a1', 'cache', { before: at(1.5) })!.id).toBe('h2');
      expect(catalog.newestBackup('a1', 'cache', { before: at(1) })!.id).toBe('h1'); // at or before
      expect(catalog.newestBackup('a1', 'cache', { tier: 'hourly', before: at(2.5) })).toBeNull();
      expect(catalog.newestBackup('a2', 'sessions')).toBeNull();
    });

    it('rebuildFrom replaces the backup index with the sources of truth, keeping agents and jobs', () => {
      catalog.createJob({ jobId: 'j1', type: 'snapshot', agentId: 'a1', instance: 'cache', timeoutMs: 0 });
      const fresh = manifest('cache', 'h9', 'hourly', at(0.1));
      const offsiteOnly = manifest('cache', 'old', 'daily', at(48));
      const result = catalog.rebuildFrom({
        agents: [
          { agentId: 'a1', copies: [copy(h1), copy(fresh)] },
          { agentId: 'a2', copies: [] },
        ],
        offsiteSets: [
          {
            agentId: 'a1',
            instance: 'cache',
            setId: 'set-0',
            bucket: 'bkt',
            prefix: 'p/',
            manifestKey: 'p/manifest.json',
            createdAt: at(47),
            bytes: 1,
            rdbBackupId: 'old',
            state: 'complete',
            manifest: {},
            rdb: { manifest: offsiteOnly, key: 'p/dump.rdb' },
          },
        ],
      });
      expect(result).toEqual({ backups: 3, locations: 3, offsiteSets: 1, rejected: [] });
      expect(catalog.listBackups({ includeGone: true }).map((b) => [b.agentId, b.id, b.locations.map((l) => l.kind)])).toEqual([
        ['a1', 'h9', ['local']],
        ['a1', 'h1', ['local']],
        ['a1', 'old', ['offsite']],
      ]);
      expect(catalog.listAgents().map((a) => a.agentId)).toEqual(['a1', 'a2']);
      expect(catalog.getJob('j1')).not.toBeNull();
      expect(catalog.getInstance('a1', 'cache')!.newestDailyAt).toEqual(at(48));
    });
  });

  describe('jobs', () => {
    it('lifecycle: queued -> sent -> running -> succeeded, with state events and timestamps', () => {
      const job = catalog.createJob({ jobId: 'j1', type: 'snapshot', agentId: 'a1', instance: 'cache', args: { tier: 'manual' }, timeoutMs: 10 * MINUTE });
      expect(job).toMatchObject({
        jobId: 'j1',
        state: 'queued',
        args: { tier: 'manual' },
        argsJson: '{"tier":"manual"}',
        createdAt: T0,
        timeoutMs: 10 * MINUTE,
        deadlineAt: new Date(T0.getTime() + 10 * MINUTE),
        sentAt: null,
      });
      clock.advance(1000);
      expect(catalog.updateJob('j1', { state: 'sent' }).job.sentAt).toEqual(clock.now());
      clock.advance(1000);
      const running = catalog.updateJob('j1', { state: 'running', phase: 'bgsave', done: 0, total: 100 });
      expect(running).toMatchObject({ applied: true, job: { state: 'running', startedAt: clock.now(), phase: 'bgsave', total: 100 } });
      catalog.updateJob('j1', { done: 50 });
      catalog.addJobEvent('j1', 'progress', 'copying', { done: 50 });
      clock.advance(1000);
      const done = catalog.updateJob('j1', { state: 'succeeded', resultJson: '{"id":"c1"}', done: 100 });
      expect(done.job).toMatchObject({ state: 'succeeded', finishedAt: clock.now(), resultJson: '{"id":"c1"}', done: 100, phase: 'bgsave' });
      expect(catalog.getJob('j1')).toEqual(done.job);

      const events = catalog.listJobEvents('j1');
      expect(events.map((e) => [e.kind, e.message])).toEqual([
        ['state', 'queued'],
        ['state', 'queued -> sent'],
        ['state', 'sent -> running'],
        ['progress', 'copying'],
        ['state', 'running -> succeeded'],
      ]);
      expect(events[3]!.data).toEqual({ done: 50 });
      expect(catalog.listJobEvents('j1', { afterId: events[3]!.id }).map((e) => e.message)).toEqual(['running -> succeeded']);
    });

    it('terminal states are final; unknown jobs are NOT_FOUND; duplicate ids are refused', () => {
      catalog.createJob({ jobId: 'j1', type: 'snapshot', agentId: 'a1', instance: 'cache' });
      catalog.updateJob('j1', { state: 'failed', errorCode: 'BGSAVE_FAILED', errorMessage: 'bgsave failed', errorHint: 'check disk' });
      const late = catalog.updateJob('j1', { state: 'succeeded' });
      expect(late.applied).toBe(false);
      expect(late.job.state).toBe('failed');
      expect(catalog.getJob('j1')!.state).toBe('failed');
      expect(() => catalog.updateJob('nope', { state: 'sent' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => catalog.addJobEvent('nope', 'x', 'y')).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
      expect(() => catalog.createJob({ jobId: 'j1', type: 'snapshot', agentId: 'a1', instance: 'cache' })).toThrow(/already exists/);
    });

    it('expireJobs times out open jobs past their deadline and returns them', () => {
      catalog.createJob({ jobId: 'short', type: 'snapshot', agentId: 'a1', instance: 'cache', timeoutMs: MINUTE });
      catalog.createJob({ jobId: 'long', type: 'verify', agentId: 'a1', instance: 'cache', timeoutMs: HOUR });
      catalog.createJob({ jobId: 'none', type: 'restore', agentId: 'a1', instance: 'cache' });
      catalog.createJob({ jobId: 'done', type: 'snapshot', agentId: 'a1', instance: 'cache', timeoutMs: MINUTE });
      catalog.updateJob('short', { state: 'running' });
      catalog.updateJob('done', { state: 'succeeded' });
      expect(catalog.expireJobs(new Date(T0.getTime() + MINUTE - 1))).toEqual([]);
      clock.advance(2 * MINUTE);
      const expired = catalog.expireJobs();
      expect(expired.map((j) => j.jobId)).toEqual(['short']);
      expect(expired[0]).toMatchObject({ state: 'timed-out', errorCode: 'TIMEOUT', finishedAt: clock.now() });
      expect(expired[0]!.errorMessage).toMatch(/did not finish within 1m0s/);
      expect(catalog.getJob('short')!.state).toBe('timed-out');
      expect(catalog.expireJobs()).toEqual([]);
      clock.advance(10 * HOUR);
      expect(catalog.expireJobs().map((j) => j.jobId)).toEqual(['long']);
      expect(catalog.getJob('none')!.state).toBe('queued');
      expect(catalog.listJobEvents('short').at(-1)).toMatchObject({ kind: 'state', message: 'running -> timed-out' });
    });

    it('listJobs filters, openJobsForAgent, failedJobsSince', () => {
      const mk = (jobId: string, agentId: string, instance: string) => {
        catalog.createJob({ jobId, type: 'snapshot', agentId, instance });
        clock.advance(1000);
      };
      mk('j1', 'a1', 'cache');
      mk('j2', 'a1', 'sessions');
      mk('j3', 'a2', 'cache');
      mk('j4', 'a1', 'cache');
      catalog.updateJob('j1', { state: 'failed', errorCode: 'BGSAVE_FAILED' });
      const failedAt = clock.now();
      clock.advance(1000);
      catalog.updateJob('j2', { state: 'sent' });
      catalog.updateJob('j3', { state: 'timed-out' });
      catalog.updateJob('j4', { state: 'cancelled' });

      expect(catalog.listJobs().map((j) => j.jobId)).toEqual(['j4', 'j3', 'j2', 'j1']);
      expect(catalog.listJobs({ limit: 2 }).map((j) => j.jobId)).toEqual(['j4', 'j3']);
      expect(catalog.listJobs({ instance: 'cache' }).map((j) => j.jobId)).toEqual(['j4', 'j3', 'j1']);
      expect(catalog.listJobs({ state: 'failed' }).map((j) => j.jobId)).toEqual(['j1']);
      expect(catalog.listJobs({ instance: 'cache', state: 'timed-out' }).map((j) => j.jobId)).toEqual(['j3']);
      expect(catalog.listJobs({ agentId: 'a1' }).map((j) => j.jobId)).toEqual(['j4', 'j2', 'j1']);
      expect(catalog.openJobsForAgent('a1').map((j) => j.jobId)).toEqual(['j2']);
      expect(catalog.failedJobsSince(T0).map((j) => j.jobId)).toEqual(['j3', 'j1']);
      expect(catalog.failedJobsSince(new Date(failedAt.getTime() + 1)).map((j) => j.jobId)).toEqual(['j3']);
    });
  });

  describe('stats and query plans', () => {
    it('catalogStats counts every table', () => {
      catalog.upsertAgent(hello('a1', ['cache', 'gone']));
      catalog.upsertAgent(hello('a1', ['cache']));
      catalog.upsertAgent(hello('a2', []));
      catalog.markDisconnected('a2');
      const m = manifest('cache', 'x1', 'hourly', T0);
      catalog.applyInventory('a1', [copy(m), copy(manifest('cache', 'x2', 'hourly', T0))]);
      catalog.recordCopyDeleted('a1', 'cache', 'x2');
      catalog.createJob({ jobId: 'j1', type: 'snapshot', agentId: 'a1', instance: 'cache' });
      catalog.updateJob('j1', { state: 'running' });
      const stats = catalog.catalogStats();
      expect(stats).toMatchObject({
        schemaVersion: LATEST_SCHEMA_VERSION,
        agents: 2,
        agentsConnected: 1,
        instances: 1,
        instancesRemoved: 1,
        backups: 2,
        locations: { local: { present: 1, gone: 1 }, offsite: { present: 0, gone: 0 } },
        jobs: { queued: 0, running: 1, failed: 0 },
        jobEvents: 2,
        offsiteSets: 0,
      });
      expect(stats.databaseBytes).toBeGreaterThan(0);
    });

    it('no query scans backups, backup_locations or jobs without an index', () => {
      const plans = catalog.explainQueryPlans();
      const names = plans.map((p) => p.name);
      // The queries behind `redback status | agents | instances | backups | jobs` are all there.
      for (const name of [
        'listAgents',
        'listInstances:false:false',
        'findInstances',
        'listBackups:false:false:false',
        'listBackups:false:true:false',
        'listBackups:false:true:true',
        'listJobs:false:false:false',
        'listJobs:true:false:false',
        'listJobs:false:true:false',
        'failedJobsSince',
        'openJobsForAgent',
        'expiredJobs',
        'newestBackupAny',
        'newestBackupOfTier',
        'presentLocalLocations',
      ]) {
        expect(names).toContain(name);
      }
      const watched = /^(b|l|j|backups|backup_locations|jobs)$/;
      const problems: string[] = [];
      for (const { name, plan } of plans) {
        for (const line of plan) {
          const scan = /^SCAN (\S+)(.*)$/.exec(line);
          if (!scan || !watched.test(scan[1]!)) continue;
          // Listing everything newest first may walk a whole table, but only along its time index.
          const fullList = name === 'listBackups:false:false:false' || name === 'listJobs:false:false:false';
          if (fullList && / USING (COVERING )?INDEX (backups_by_time|jobs_by_time)$/.test(scan[2]!)) continue;
          problems.push(`${name}: ${line}`);
        }
        if (name === 'listBackups:false:false:false' || name === 'listJobs:false:false:false') {
          expect(plan.some((l) => l.includes('TEMP B-TREE')), `${name} sorts: ${plan.join(' | ')}`).toBe(false);
        }
      }
      expect(problems).toEqual([]);
      // Specific indexes serve the hot paths.
      const planOf = (name: string) => plans.find((p) => p.name === name)!.plan.join('\n');
      expect(planOf('expiredJobs')).toContain('jobs_open_deadline');
      expect(planOf('failedJobsSince')).toContain('jobs_by_state_finished');
      expect(planOf('listBackups:false:true:false')).toContain('backups_by_instance_time');
      expect(planOf('listJobs:true:false:false')).toContain('jobs_by_instance_time');
      expect(planOf('listInstances:false:false')).toContain('backups_by_agent_instance_tier_time');
      expect(planOf('findInstances')).toContain('instances_by_name');
      expect(planOf('presentLocalLocations')).toContain('backup_locations_by_agent_kind_state');
    });
  });
});
