import type Database from 'better-sqlite3';
import { RedbackError } from '../../shared/errors/index.js';
import type { CopyManifest } from '../../shared/manifest/copy-manifest.js';
import { ms, parseJson, toDate, type CatalogDb } from './catalog-db.js';
import { ref, type BackupIndex } from './backup-index.js';

export interface OffsiteSetInput {
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
  /** The set's RDB copy: indexed as a backup with an 'offsite' location at `key`. */
  rdb?: { manifest: CopyManifest; key: string };
}

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
  manifest: unknown;
}

interface OffsiteSetRow {
  agent_id: string;
  instance: string;
  set_id: string;
  bucket: string;
  prefix: string;
  manifest_key: string;
  created_at: number;
  bytes: number;
  rdb_backup_id: string | null;
  state: string;
  manifest_json: string;
}

/** Offsite sets (S3): their manifests, and their RDB indexed as a backup with an 'offsite' location. */
export class OffsiteSets {
  readonly s: ReturnType<typeof prepareOffsiteStatements>;

  constructor(
    private readonly c: CatalogDb,
    private readonly backups: BackupIndex,
  ) {
    this.s = prepareOffsiteStatements(c.db);
  }

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
