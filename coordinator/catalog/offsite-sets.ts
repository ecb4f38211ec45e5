import type Database from 'better-sqlite3';
import { RedbackError } from '../../shared/errors/index.js';
import type { CopyManifest } from '../../shared/manifest/copy-manifest.js';
import type { SetManifest } from '../../shared/offsite/set-manifest.js';
import { ms, parseJson, toDate, type CatalogDb } from './catalog-db.js';
import { ref, type BackupIndex } from './backup-index.js';

export interface OffsiteSetRecord {
  agentId: string;
  instance: string;
  setId: string;
  bucket: string;
  prefix: string;
  manifestKey: string;
  createdAt: Date;
  bytes: number;
  rdbBackupId: string | null;
  state: string;
  /** The set's manifest as stored in S3 (any JSON). */
  manifest: unknown;
}

export interface OffsiteSetInput extends OffsiteSetRecord {
  /** The set's RDB copy: indexed as a backup with an 'offsite' location at `key`. */
  rdb?: { manifest: CopyManifest; key: string };
}

/** Where a set lives: the target's bucket (or directory) and prefix, and its manifest's key. */
export interface SetLocation {
  bucket: string;
  prefix: string;
  manifestKey: string;
}

export type VerifyState = 'never' | 'ok' | 'failed';

export interface OffsiteObjectRecord {
  key: string;
  kind: string;
  plainBytes: number;
  plainSha256: string;
  storedBytes: number;
  storedSha256: string;
  compression: string;
  encrypted: boolean;
  verifyState: VerifyState;
  verifyDetail: string;
}

/** Where a page of `OffsiteSets.page` ended: the last set returned. */
export interface OffsiteSetCursor {
  createdAt: number;
  setId: string;
  agentId: string;
  instance: string;
}

export interface OffsiteSetView {
  agentId: string;
  instance: string;
  setId: string;
  bucket: string;
  prefix: string;
  manifestKey: string;
  createdAt: Date;
  state: string;
  plainBytes: number;
  storedBytes: number;
  objectCount: number;
  verifyState: VerifyState;
  verifiedAt: Date | null;
  verifyDetail: string;
  /** The set's manifest as stored (null when the row was written without one). */
  manifest: SetManifest | null;
  /** Filled by list({ includeObjects: true }). */
  objects?: OffsiteObjectRecord[];
}

export interface ObjectVerifyOutcome {
  key: string;
  ok: boolean;
  problem: string | null;
}

interface ObjectRow {
  key: string;
  kind: string;
  plain_bytes: number;
  plain_sha256: string;
  stored_bytes: number;
  stored_sha256: string;
  compression: string;
  encrypted: number;
  verify_state: string;
  verify_detail: string;
}

/** A row of offsite_sets (SELECT *). */
interface OffsiteSetRow {
  agent_id: string;
  instance: string;
  set_id: string;
  bucket: string;
  prefix: string;
  manifest_key: string;
  created_at: number;
  bytes: number;
  plain_bytes: number;
  object_count: number;
  rdb_backup_id: string | null;
  state: string;
  manifest_json: string;
  verify_state: string;
  verified_at: number | null;
  verify_detail: string;
}

/** Offsite sets (S3): their manifests, and their RDB indexed as a backup with an 'offsite' location. */
export class OffsiteSets {
  readonly s: ReturnType<typeof prepareOffsiteStatements>;
  private readonly sets: ReturnType<typeof prepareSetStatements>;

  constructor(
    private readonly c: CatalogDb,
    private readonly backups: BackupIndex,
  ) {
    this.s = prepareOffsiteStatements(c.db);
    this.sets = prepareSetStatements(c.db);
  }

  // ---- sets recorded from their manifests (uploads, rebuild), objects, verify outcomes ----------

  /** Records a complete set and every object of it from its manifest (replacing an earlier record). */
  record(manifest: SetManifest, where: SetLocation): void {
    const key = { agentId: manifest.agentId, instance: manifest.instance, setId: manifest.setId };
    const plain = manifest.objects.reduce((n, o) => n + o.plainBytes, 0);
    const stored = manifest.objects.reduce((n, o) => n + o.storedBytes, 0);
    this.c.db.transaction(() => {
      this.sets.upsertSet.run({
        ...key,
        ...where,
        createdAt: new Date(manifest.createdAt).getTime(),
        bytes: stored,
        plainBytes: plain,
        objectCount: manifest.objects.length,
        manifestJson: JSON.stringify(manifest),
      });
      this.sets.deleteObjects.run(key);
      for (const o of manifest.objects) {
        this.sets.insertObject.run({
          ...key,
          key: o.key,
          kind: o.kind,
          plainBytes: o.plainBytes,
          plainSha256: o.plainSha256,
          storedBytes: o.storedBytes,
          storedSha256: o.storedSha256,
          compression: o.compression,
          encrypted: o.encrypted ? 1 : 0,
        });
      }
    })();
  }

  /** Sets newest first, optionally of one instance (NAME, or with agentId one host's). */
  list(options: { agentId?: string; instance?: string; includeObjects?: boolean } = {}): OffsiteSetView[] {
    const rows = (options.instance ? this.sets.listInstance.all({ instance: options.instance }) : this.sets.listAll.all()) as OffsiteSetRow[];
    return rows
      .filter((r) => !options.agentId || r.agent_id === options.agentId)
      .map((r) => {
        const view = fromRow(r);
        if (options.includeObjects) view.objects = this.objects(r.agent_id, r.instance, r.set_id);
        return view;
      });
  }

  /**
   * One page of `list`, newest first (created_at, set_id, agent_id, instance, all descending),
   * continuing strictly after `after` (the last set of the previous page): keyset paging, so sets
   * added or removed meanwhile never shift a page. Objects are loaded for the page's sets only.
   */
  page(options: { agentId?: string; instance?: string; includeObjects?: boolean; limit: number; after?: OffsiteSetCursor }): OffsiteSetView[] {
    const a = options.after;
    const rows = this.sets.page.all({
      instance: options.instance ?? null,
      agentId: options.agentId ?? null,
      afterCreated: a ? a.createdAt : null,
      afterSet: a?.setId ?? null,
      afterAgent: a?.agentId ?? null,
      afterInstance: a?.instance ?? null,
      limit: options.limit,
    }) as OffsiteSetRow[];
    return rows.map((r) => {
      const view = fromRow(r);
      if (options.includeObjects) view.objects = this.objects(r.agent_id, r.instance, r.set_id);
      return view;
    });
  }

  objects(agentId: string, instance: string, setId: string): OffsiteObjectRecord[] {
    return (this.sets.objectsOf.all({ agentId, instance, setId }) as ObjectRow[]).map((o) => ({
      key: o.key,
      kind: o.kind,
      plainBytes: o.plain_bytes,
      plainSha256: o.plain_sha256,
      storedBytes: o.stored_bytes,
      storedSha256: o.stored_sha256,
      compression: o.compression,
      encrypted: o.encrypted === 1,
      verifyState: o.verify_state as VerifyState,
      verifyDetail: o.verify_detail,
    }));
  }

  /** Creation time of each instance's newest complete set, keyed `agent/instance`. */
  newestComplete(): Map<string, Date> {
    const out = new Map<string, Date>();
    for (const r of this.sets.newestComplete.all() as Array<{ agent_id: string; instance: string; created_at: number }>) {
      out.set(`${r.agent_id}/${r.instance}`, new Date(r.created_at));
    }
    return out;
  }

  /** Each instance's newest complete set: when, and its stored bytes (for the metrics). */
  newestSets(): Array<{ agentId: string; instance: string; createdAt: Date; storedBytes: number }> {
    return (this.sets.newestSets.all() as Array<{ agent_id: string; instance: string; created_at: number; bytes: number }>).map((r) => ({
      agentId: r.agent_id,
      instance: r.instance,
      createdAt: new Date(r.created_at),
      storedBytes: r.bytes,
    }));
  }

  recordVerify(set: { agentId: string; instance: string; setId: string }, ok: boolean, detail: string, objects: readonly ObjectVerifyOutcome[]): void {
    const now = this.c.now();
    this.c.db.transaction(() => {
      this.sets.setVerify.run({ ...set, state: ok ? 'ok' : 'failed', now, detail });
      for (const o of objects) this.sets.objectVerify.run({ ...set, key: o.key, state: o.ok ? 'ok' : 'failed', detail: o.problem ?? '' });
    })();
  }

  delete(set: { agentId: string; instance: string; setId: string }): void {
    this.sets.deleteSet.run(set);
  }

  counts(): { sets: number; objects: number } {
    return this.sets.counts.get() as { sets: number; objects: number };
  }

  // ---- the original index of a set's RDB ---------------------------------------------------------

  /** Inserts or updates an offsite set; with `rdb`, indexes its RDB as a backup with an 'offsite' location. */
  insertOffsiteSet(set: OffsiteSetInput): void {
    const now = this.c.now();
    this.c.db.transaction(() => this.writeOffsiteSet(set, now))();
  }

  listOffsiteSets(options: { agentId?: string; instance?: string; limit?: number } = {}): OffsiteSetRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: options.limit ?? -1 };
    if (options.agentId !== undefined) {
      where.push('o.agent_id = @agentId');
      params.agentId = options.agentId;
    }
    if (options.instance !== undefined) {
      where.push('o.instance = @instance');
      params.instance = options.instance;
    }
    const stmt = this.c.variant(
      `listOffsiteSets:${options.agentId !== undefined}:${options.instance !== undefined}`,
      `SELECT o.* FROM offsite_sets o${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY o.created_at DESC, o.set_id DESC LIMIT @limit`,
    );
    return (stmt.all(params) as OffsiteSetRow[]).map(offsiteSetFromRow);
  }

  writeOffsiteSet(set: OffsiteSetInput, now: number): void {
    this.s.upsertOffsiteSet.run({
      agentId: set.agentId,
      instance: set.instance,
      setId: set.setId,
      bucket: set.bucket,
      prefix: set.prefix,
      manifestKey: set.manifestKey,
      createdAt: ms(set.createdAt),
      bytes: set.bytes,
      rdbBackupId: set.rdbBackupId,
      state: set.state,
      manifestJson: JSON.stringify(set.manifest ?? {}),
    });
    if (set.rdb) {
      const change = this.backups.indexCopy(set.agentId, set.rdb.manifest, 'offsite', set.rdb.key, now);
      if (typeof change === 'object') {
        throw new RedbackError('USAGE', `cannot index offsite copy ${ref(set.rdb.manifest.instance, set.rdb.manifest.id)}: ${change.reason}`);
      }
    }
  }
}

function prepareSetStatements(db: Database.Database) {
    const p = (sql: string) => db.prepare(sql);
  return {
    upsertSet: p(`INSERT INTO offsite_sets (agent_id, instance, set_id, bucket, prefix, manifest_key, created_at, bytes,
        plain_bytes, object_count, rdb_backup_id, state, manifest_json)
      VALUES (@agentId, @instance, @setId, @bucket, @prefix, @manifestKey, @createdAt, @bytes, @plainBytes, @objectCount,
        NULL, 'complete', @manifestJson)
      ON CONFLICT (agent_id, instance, set_id) DO UPDATE SET bucket = excluded.bucket, prefix = excluded.prefix,
        manifest_key = excluded.manifest_key, created_at = excluded.created_at, bytes = excluded.bytes,
        plain_bytes = excluded.plain_bytes, object_count = excluded.object_count, state = 'complete',
        manifest_json = excluded.manifest_json`),
    deleteObjects: p(`DELETE FROM offsite_objects WHERE agent_id = @agentId AND instance = @instance AND set_id = @setId`),
    insertObject: p(`INSERT INTO offsite_objects (agent_id, instance, set_id, key, kind, plain_bytes, plain_sha256, stored_bytes,
        stored_sha256, compression, encrypted)
      VALUES (@agentId, @instance, @setId, @key, @kind, @plainBytes, @plainSha256, @storedBytes, @storedSha256, @compression, @encrypted)`),
    listAll: p(`SELECT * FROM offsite_sets ORDER BY created_at DESC, set_id DESC`),
    listInstance: p(`SELECT * FROM offsite_sets WHERE instance = @instance ORDER BY created_at DESC, set_id DESC`),
    page: p(`SELECT * FROM offsite_sets
      WHERE (@instance IS NULL OR instance = @instance) AND (@agentId IS NULL OR agent_id = @agentId)
        AND (@afterCreated IS NULL OR created_at < @afterCreated OR (created_at = @afterCreated AND (set_id < @afterSet
          OR (set_id = @afterSet AND (agent_id < @afterAgent OR (agent_id = @afterAgent AND instance < @afterInstance))))))
      ORDER BY created_at DESC, set_id DESC, agent_id DESC, instance DESC LIMIT @limit`),
    objectsOf: p(`SELECT * FROM offsite_objects WHERE agent_id = @agentId AND instance = @instance AND set_id = @setId ORDER BY key`),
    newestComplete: p(`SELECT agent_id, instance, max(created_at) AS created_at FROM offsite_sets WHERE state = 'complete'
      GROUP BY agent_id, instance`),
    // SQLite's bare-column rule: with max(), `bytes` comes from the row holding the maximum.
    newestSets: p(`SELECT agent_id, instance, max(created_at) AS created_at, bytes FROM offsite_sets WHERE state = 'complete'
      GROUP BY agent_id, instance`),
    setVerify: p(`UPDATE offsite_sets SET verify_state = @state, verified_at = @now, verify_detail = @detail
      WHERE agent_id = @agentId AND instance = @instance AND set_id = @setId`),
    objectVerify: p(`UPDATE offsite_objects SET verify_state = @state, verify_detail = @detail
      WHERE agent_id = @agentId AND instance = @instance AND set_id = @setId AND key = @key`),
    deleteSet: p(`DELETE FROM offsite_sets WHERE agent_id = @agentId AND instance = @instance AND set_id = @setId`),
    counts: p(`SELECT (SELECT count(*) FROM offsite_sets) AS sets, (SELECT count(*) FROM offsite_objects) AS objects`),
  };
}

function prepareOffsiteStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    upsertOffsiteSet: p(`INSERT INTO offsite_sets (agent_id, instance, set_id, bucket, prefix, manifest_key, created_at,
        bytes, rdb_backup_id, state, manifest_json)
      VALUES (@agentId, @instance, @setId, @bucket, @prefix, @manifestKey, @createdAt, @bytes, @rdbBackupId, @state,
        @manifestJson)
      ON CONFLICT (agent_id, instance, set_id) DO UPDATE SET bucket = excluded.bucket, prefix = excluded.prefix,
        manifest_key = excluded.manifest_key, created_at = excluded.created_at, bytes = excluded.bytes,
        rdb_backup_id = excluded.rdb_backup_id, state = excluded.state, manifest_json = excluded.manifest_json`),
  };
}

function offsiteSetFromRow(row: OffsiteSetRow): OffsiteSetRecord {
  return {
    agentId: row.agent_id,
    instance: row.instance,
    setId: row.set_id,
    bucket: row.bucket,
    prefix: row.prefix,
    manifestKey: row.manifest_key,
    createdAt: toDate(row.created_at),
    bytes: row.bytes,
    rdbBackupId: row.rdb_backup_id,
    state: row.state,
    manifest: parseJson(row.manifest_json),
  };
}

function fromRow(r: OffsiteSetRow): OffsiteSetView {
  let manifest: SetManifest | null = null;
  try {
    const parsed = JSON.parse(r.manifest_json) as SetManifest;
    manifest = parsed && typeof parsed === 'object' && 'setId' in parsed ? parsed : null;
  } catch {
    manifest = null;
  }
  return {
    agentId: r.agent_id,
    instance: r.instance,
    setId: r.set_id,
    bucket: r.bucket,
    prefix: r.prefix,
    manifestKey: r.manifest_key,
    createdAt: new Date(r.created_at),
    state: r.state,
    plainBytes: r.plain_bytes,
    storedBytes: r.bytes,
    objectCount: r.object_count,
    verifyState: r.verify_state as VerifyState,
    verifiedAt: r.verified_at === null ? null : new Date(r.verified_at),
    verifyDetail: r.verify_detail,
    manifest,
  };
}
