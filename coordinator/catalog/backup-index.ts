import type Database from 'better-sqlite3';
import { RedbackError } from '../../shared/errors/index.js';
import { canonicalJson, type CopyManifest, type Tier } from '../../shared/manifest/copy-manifest.js';
import { ms, PRESENT_EXISTS, toDate, toDateOrNull, type CatalogDb } from './catalog-db.js';

// ---- types (camelCase, plain data; no gRPC types) -------------------------------------------------

export type LocationKind = 'local' | 'offsite';
export type PresenceState = 'present' | 'gone';

/** A local copy as the agent reports it: its manifest and the path of its RDB file. */
export interface CopyInput {
  manifest: CopyManifest;
  path: string;
}

export interface BackupLocationRecord {
  kind: LocationKind;
  /** local: file path on the agent; offsite: S3 key. */
  location: string;
  state: PresenceState;
  firstSeenAt: Date;
  lastSeenAt: Date;
  goneAt: Date | null;
}

export interface BackupRecord {
  agentId: string;
  instance: string;
  id: string;
  tier: Tier;
  bytes: number;
  sha256: string;
  crc64: string;
  createdAt: Date;
  rdbVersion: number;
  redisVersion: string | null;
  keys: Record<string, number>;
  manifest: CopyManifest;
  firstSeenAt: Date;
  /** present = at least one location is present. */
  state: PresenceState;
  locations: BackupLocationRecord[];
}

/** `instance/id`: copy ids are unique per instance only. */
export type CopyRef = string;

export interface InventoryResult {
  /** Copies the catalog did not have at this location (new backup or new path). */
  added: CopyRef[];
  /** Copies whose local location at this agent was present and is no longer listed. */
  gone: CopyRef[];
  /** Copies whose local location was gone and is listed again. */
  revived: CopyRef[];
  /** Listed copies the catalog already had, present, at this location. */
  unchanged: number;
  /** Listed copies that could not be indexed (e.g. unparseable createdAt); the rest were applied. */
  rejected: Array<{ ref: CopyRef; reason: string }>;
}

export type CopyChange = 'added' | 'revived' | 'unchanged';

export interface ListBackupsOptions {
  instance?: string;
  agentId?: string;
  /** Also list backups with no present location, and show gone locations. */
  includeGone?: boolean;
  limit?: number;
  /** Continue after this position (keyset paging: see BackupCursor). */
  after?: BackupCursor;
}

/**
 * Where a page of listBackups ended: the last (createdAt, id) returned and how many rows with
 * exactly that key were returned (copy ids are unique per instance only, so ties are possible).
 */
export interface BackupCursor {
  createdAt: number;
  id: string;
  skip: number;
}

/** The cursor after a page (`rows` as returned, in order), continuing `previous` when the key repeats. */
export function cursorAfter(rows: readonly BackupRecord[], previous?: BackupCursor): BackupCursor | undefined {
  const last = rows[rows.length - 1];
  if (!last) return undefined;
  const createdAt = last.createdAt.getTime();
  let skip = 0;
  for (let i = rows.length - 1; i >= 0 && rows[i]!.createdAt.getTime() === createdAt && rows[i]!.id === last.id; i--) skip++;
  if (skip === rows.length && previous && previous.createdAt === createdAt && previous.id === last.id) skip += previous.skip;
  return { createdAt, id: last.id, skip };
}

export interface NewestBackupOptions {
  tier?: Tier;
  /** Only copies created at or before this time. */
  before?: Date;
}

// ---- rows as SQLite returns them ---------------------------------------------------------------

interface BackupRow {
  agent_id: string;
  instance: string;
  id: string;
  tier: string;
  bytes: number;
  sha256: string;
  crc64: string;
  created_at: number;
  rdb_version: number;
  redis_version: string | null;
  keys_json: string;
  manifest_json: string;
  first_seen_at: number;
  present: number;
}

interface LocationRow {
  kind: string;
  location: string;
  state: string;
  first_seen_at: number;
  last_seen_at: number;
  gone_at: number | null;
}

const BACKUP_SELECT = `SELECT b.*, ${PRESENT_EXISTS} AS present FROM backups b`;

export const ref = (instance: string, id: string): CopyRef => `${instance}/${id}`;

/**
 * The backup index: every copy the agents and the offsite sets report, and every place it lives.
 * `touch` records that the agent was heard from (the fleet part owns agents).
 */
export class BackupIndex {
  readonly s: ReturnType<typeof prepareBackupStatements>;

  constructor(
    private readonly c: CatalogDb,
    private readonly touch: (agentId: string, at: number) => void,
  ) {
    this.s = prepareBackupStatements(c.db);
  }

  /**
   * Applies an agent's full inventory of local copies (sent on every connect): indexes unknown
   * copies with a 'local' location, revives listed locations that were gone, and marks this agent's
   * present local locations that are not listed as gone. One transaction; idempotent.
   */
  applyInventory(agentId: string, copies: CopyInput[]): InventoryResult {
    const now = this.c.now();
    const result: InventoryResult = { added: [], gone: [], revived: [], unchanged: 0, rejected: [] };
    this.c.db.transaction(() => {
      const listed = new Set<string>();
      const listedRefs = new Set<CopyRef>();
      for (const copy of copies) {
        const r = ref(copy.manifest.instance, copy.manifest.id);
        const problem = this.indexCopy(agentId, copy.manifest, 'local', copy.path, now);
        if (typeof problem === 'object') {
          result.rejected.push({ ref: r, reason: problem.reason });
          continue;
        }
        listed.add(locationKey(copy.manifest.instance, copy.manifest.id, copy.path));
        listedRefs.add(r);
        if (problem === 'added') result.added.push(r);
        else if (problem === 'revived') result.revived.push(r);
        else result.unchanged++;
      }
      const goneRefs = new Set<CopyRef>();
      for (const loc of this.s.presentLocalLocations.all({ agentId }) as Array<{
        instance: string;
        backup_id: string;
        location: string;
      }>) {
        if (listed.has(locationKey(loc.instance, loc.backup_id, loc.location))) continue;
        this.s.markLocationGone.run({
          agentId,
          instance: loc.instance,
          backupId: loc.backup_id,
          kind: 'local',
          location: loc.location,
          now,
        });
        const r = ref(loc.instance, loc.backup_id);
        // A copy listed at another path (the backup directory moved) is not gone.
        if (!listedRefs.has(r)) goneRefs.add(r);
      }
      result.gone = [...goneRefs];
      this.touch(agentId, now);
    })();
    return result;
  }

  /** The agent made a copy (CopyEvent CREATED). Throws USAGE when the manifest cannot be indexed. */
  recordCopyCreated(agentId: string, manifest: CopyManifest, path: string): CopyChange {
    const now = this.c.now();
    return this.c.db.transaction(() => {
      const change = this.indexCopy(agentId, manifest, 'local', path, now);
      if (typeof change === 'object') {
        throw new RedbackError('USAGE', `cannot index copy ${ref(manifest.instance, manifest.id)}: ${change.reason}`, {
          details: { agentId, instance: manifest.instance, id: manifest.id },
        });
      }
      this.touch(agentId, now);
      return change;
    })();
  }

  /** The agent deleted a copy (CopyEvent DELETED): its local locations become gone. */
  recordCopyDeleted(agentId: string, instance: string, id: string): boolean {
    const now = this.c.now();
    return this.c.db.transaction(() => {
      const changes = this.s.markBackupLocalGone.run({ agentId, instance, backupId: id, now }).changes;
      this.touch(agentId, now);
      return changes > 0;
    })();
  }

  /**
   * Forgets an agent's local copies (the host is gone): their local locations, and the backups that
   * have no other location. Backups also held offsite stay. Returns how many backups are dropped.
   */
  forgetLocalCopies(agentId: string, dryRun = false): number {
    const { n } = this.s.countLocalOnly.get({ agentId }) as { n: number };
    if (!dryRun) {
      this.s.deleteLocalLocations.run({ agentId });
      this.s.deleteUnlocated.run({ agentId });
    }
    return n;
  }

  /**
   * Backups newest first with their locations. Without `includeGone`, only backups with a present
   * location and only their present locations.
   */
  listBackups(options: ListBackupsOptions = {}): BackupRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: options.limit ?? -1 };
    if (options.agentId !== undefined) {
      where.push('b.agent_id = @agentId');
      params.agentId = options.agentId;
    }
    if (options.instance !== undefined) {
      where.push('b.instance = @instance');
      params.instance = options.instance;
    }
    if (!options.includeGone) where.push(PRESENT_EXISTS);
    params.skip = 0;
    if (options.after) {
      where.push('(b.created_at, b.id) <= (@afterCreatedAt, @afterBackupId)');
      params.afterCreatedAt = options.after.createdAt;
      params.afterBackupId = options.after.id;
      params.skip = options.after.skip;
    }
    const stmt = this.c.variant(
      `listBackups:${options.agentId !== undefined}:${options.instance !== undefined}:${!!options.includeGone}${options.after ? ':after' : ''}`,
      `${BACKUP_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY b.created_at DESC, b.id DESC LIMIT @limit OFFSET @skip`,
    );
    return (stmt.all(params) as BackupRow[]).map((row) => this.backupFromRow(row, !options.includeGone));
  }

  /** One backup with all its locations, present and gone. */
  getBackup(agentId: string, instance: string, id: string): BackupRecord | null {
    const row = this.s.getBackup.get({ agentId, instance, id }) as BackupRow | undefined;
    return row ? this.backupFromRow(row, false) : null;
  }

  /** The newest backup of the instance that has a present location (only present locations listed). */
  newestBackup(agentId: string, instance: string, options: NewestBackupOptions = {}): BackupRecord | null {
    const stmt = options.tier ? this.s.newestBackupOfTier : this.s.newestBackupAny;
    const params: Record<string, unknown> = {
      agentId,
      instance,
      before: options.before ? ms(options.before) : Number.MAX_SAFE_INTEGER,
    };
    if (options.tier) params.tier = options.tier;
    const row = stmt.get(params) as BackupRow | undefined;
    return row ? this.backupFromRow(row, true) : null;
  }

  /** Indexes one copy at one location (inside the caller's transaction). */
  indexCopy(
    agentId: string,
    manifest: CopyManifest,
    kind: LocationKind,
    location: string,
    now: number,
  ): CopyChange | { reason: string } {
    const createdAt = Date.parse(manifest.createdAt);
    if (Number.isNaN(createdAt)) return { reason: `createdAt "${manifest.createdAt}" is not a time` };
    const manifestJson = canonicalJson(manifest);
    const existing = this.s.getBackupManifest.get({ agentId, instance: manifest.instance, id: manifest.id }) as
      | { manifest_json: string }
      | undefined;
    const row = {
      agentId,
      instance: manifest.instance,
      id: manifest.id,
      tier: manifest.tier,
      bytes: manifest.bytes,
      sha256: manifest.sha256,
      crc64: manifest.crc64,
      createdAt,
      rdbVersion: manifest.rdbVersion,
      redisVersion: manifest.redisVersion,
      keysJson: canonicalJson(manifest.keys),
      manifestJson,
      now,
    };
    let newBackup = false;
    if (!existing) {
      this.s.insertBackup.run(row);
      newBackup = true;
    } else if (existing.manifest_json !== manifestJson) {
      // The manifest was rewritten (e.g. pinned): the catalog follows the source of truth.
      this.s.updateBackup.run(row);
    }
    const key = { agentId, instance: manifest.instance, backupId: manifest.id, kind, location };
    const loc = this.s.getLocationState.get(key) as { state: PresenceState } | undefined;
    if (!loc) {
      this.s.insertLocation.run({ ...key, now });
      return 'added';
    }
    this.s.presentLocation.run({ ...key, now });
    if (loc.state === 'gone') return newBackup ? 'added' : 'revived';
    return newBackup ? 'added' : 'unchanged';
  }

  private backupFromRow(row: BackupRow, presentOnly: boolean): BackupRecord {
    const key = { agentId: row.agent_id, instance: row.instance, backupId: row.id };
    const locs = (presentOnly ? this.s.presentLocations : this.s.allLocations).all(key) as LocationRow[];
    return {
      agentId: row.agent_id,
      instance: row.instance,
      id: row.id,
      tier: row.tier as Tier,
      bytes: row.bytes,
      sha256: row.sha256,
      crc64: row.crc64,
      createdAt: toDate(row.created_at),
      rdbVersion: row.rdb_version,
      redisVersion: row.redis_version,
      keys: JSON.parse(row.keys_json) as Record<string, number>,
      manifest: JSON.parse(row.manifest_json) as CopyManifest,
      firstSeenAt: toDate(row.first_seen_at),
      state: row.present ? 'present' : 'gone',
      locations: locs.map((l) => ({
        kind: l.kind as LocationKind,
        location: l.location,
        state: l.state as PresenceState,
        firstSeenAt: toDate(l.first_seen_at),
        lastSeenAt: toDate(l.last_seen_at),
        goneAt: toDateOrNull(l.gone_at),
      })),
    };
  }
}

function prepareBackupStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    countLocalOnly: p(`SELECT count(*) AS n FROM backups b WHERE b.agent_id = @agentId
      AND NOT EXISTS (SELECT 1 FROM backup_locations l WHERE l.agent_id = b.agent_id AND l.instance = b.instance
        AND l.backup_id = b.id AND l.kind <> 'local')`),
    deleteLocalLocations: p(`DELETE FROM backup_locations WHERE agent_id = @agentId AND kind = 'local'`),
    deleteUnlocated: p(`DELETE FROM backups AS b WHERE b.agent_id = @agentId
      AND NOT EXISTS (SELECT 1 FROM backup_locations l WHERE l.agent_id = b.agent_id AND l.instance = b.instance AND l.backup_id = b.id)`),
    getBackupManifest: p(`SELECT manifest_json FROM backups WHERE agent_id = @agentId AND instance = @instance AND id = @id`),
    insertBackup: p(`INSERT INTO backups (agent_id, instance, id, tier, bytes, sha256, crc64, created_at, rdb_version,
        redis_version, keys_json, manifest_json, first_seen_at)
      VALUES (@agentId, @instance, @id, @tier, @bytes, @sha256, @crc64, @createdAt, @rdbVersion, @redisVersion,
        @keysJson, @manifestJson, @now)`),
    updateBackup: p(`UPDATE backups SET tier = @tier, bytes = @bytes, sha256 = @sha256, crc64 = @crc64,
        created_at = @createdAt, rdb_version = @rdbVersion, redis_version = @redisVersion, keys_json = @keysJson,
        manifest_json = @manifestJson
      WHERE agent_id = @agentId AND instance = @instance AND id = @id`),
    getLocationState: p(`SELECT state FROM backup_locations WHERE agent_id = @agentId AND instance = @instance
      AND backup_id = @backupId AND kind = @kind AND location = @location`),
    insertLocation: p(`INSERT INTO backup_locations (agent_id, instance, backup_id, kind, location, state,
        first_seen_at, last_seen_at, gone_at)
      VALUES (@agentId, @instance, @backupId, @kind, @location, 'present', @now, @now, NULL)`),
    presentLocation: p(`UPDATE backup_locations SET state = 'present', last_seen_at = @now, gone_at = NULL
      WHERE agent_id = @agentId AND instance = @instance AND backup_id = @backupId AND kind = @kind AND location = @location`),
    markLocationGone: p(`UPDATE backup_locations SET state = 'gone', gone_at = @now
      WHERE agent_id = @agentId AND instance = @instance AND backup_id = @backupId AND kind = @kind AND location = @location
        AND state = 'present'`),
    markBackupLocalGone: p(`UPDATE backup_locations SET state = 'gone', gone_at = @now
      WHERE agent_id = @agentId AND instance = @instance AND backup_id = @backupId AND kind = 'local' AND state = 'present'`),
    presentLocalLocations: p(`SELECT instance, backup_id, location FROM backup_locations
      WHERE agent_id = @agentId AND kind = 'local' AND state = 'present'`),
    getBackup: p(`${BACKUP_SELECT} WHERE b.agent_id = @agentId AND b.instance = @instance AND b.id = @id`),
    allLocations: p(`SELECT kind, location, state, first_seen_at, last_seen_at, gone_at FROM backup_locations
      WHERE agent_id = @agentId AND instance = @instance AND backup_id = @backupId ORDER BY kind, location`),
    presentLocations: p(`SELECT kind, location, state, first_seen_at, last_seen_at, gone_at FROM backup_locations
      WHERE agent_id = @agentId AND instance = @instance AND backup_id = @backupId AND state = 'present'
      ORDER BY kind, location`),
    newestBackupAny: p(`${BACKUP_SELECT} WHERE b.agent_id = @agentId AND b.instance = @instance
        AND b.created_at <= @before AND ${PRESENT_EXISTS}
      ORDER BY b.created_at DESC, b.id DESC LIMIT 1`),
    newestBackupOfTier: p(`${BACKUP_SELECT} WHERE b.agent_id = @agentId AND b.instance = @instance AND b.tier = @tier
        AND b.created_at <= @before AND ${PRESENT_EXISTS}
      ORDER BY b.created_at DESC, b.id DESC LIMIT 1`),
  };
}

function locationKey(instance: string, id: string, location: string): string {
  return JSON.stringify([instance, id, location]);
}
