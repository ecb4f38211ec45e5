import { existsSync, mkdirSync, chmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { canonicalJson, type CopyManifest, type Tier } from '../../shared/manifest/copy-manifest.js';
import { formatDuration, systemClock, type Clock } from '../../shared/time/clock.js';
import { assertNotNewer, migrate, schemaVersion } from './migrations.js';

// ---- public types (camelCase, plain data; no gRPC types) ----------------------------------------

export const JOB_STATES = ['queued', 'sent', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const OPEN_JOB_STATES: readonly JobState[] = ['queued', 'sent', 'running'];
export const TERMINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'timed-out'];

export type LocationKind = 'local' | 'offsite';
export type PresenceState = 'present' | 'gone';

export interface CatalogOptions {
  clock?: Clock;
}

/** One instance as the agent's Hello lists it. */
export interface InstanceInfoInput {
  name: string;
  address: string;
  redisVersion: string;
  role: string;
}

/** What the agent's Hello carries. */
export interface AgentHelloInput {
  agentId: string;
  hostname: string;
  agentVersion: string;
  protocolVersion: number;
  transferAddress: string;
  instances: InstanceInfoInput[];
}

/** One instance's health as a Heartbeat carries it. Absent fields are stored as NULL. */
export interface InstanceHealth {
  name: string;
  up: boolean;
  /** Empty or absent keeps the role from Hello. */
  role?: string;
  loading?: boolean;
  dbsize?: number | null;
  usedMemory?: number | null;
  rdbLastBgsaveStatus?: string | null;
  /** Redis's `rdb_last_save_time`: Unix SECONDS. */
  rdbLastSaveTime?: number | null;
  aofEnabled?: boolean | null;
  aofLastWriteStatus?: string | null;
  aofLastBgrewriteStatus?: string | null;
  /** Why the instance is down or unhealthy; empty = none. */
  error?: string | null;
}

export interface HeartbeatInput {
  agentId: string;
  /** When the coordinator received it (or the agent's sent_at, the caller decides). */
  at: Date;
  backupFreeBytes: number;
  backupTotalBytes: number;
  instances: InstanceHealth[];
}

export interface HeartbeatBatchResult {
  /** Heartbeats applied. */
  agents: number;
  /** Instance health rows written. */
  instances: number;
  /** Heartbeats from agents the catalog does not know (no Hello yet): skipped, not an error. */
  unknownAgents: string[];
}

export interface AgentRecord {
  agentId: string;
  hostname: string;
  agentVersion: string;
  protocolVersion: number;
  transferAddress: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
  lastHeartbeatAt: Date | null;
  connected: boolean;
  connectedSince: Date | null;
  disconnectedAt: Date | null;
  backupFreeBytes: number | null;
  backupTotalBytes: number | null;
  /** Names of the instances the agent currently reports (removed ones excluded), sorted. */
  instances: string[];
}

export interface InstanceRecord {
  agentId: string;
  name: string;
  address: string;
  redisVersion: string;
  role: string;
  /** null until the first heartbeat that reports the instance. */
  up: boolean | null;
  loading: boolean | null;
  dbsize: number | null;
  usedMemory: number | null;
  rdbLastBgsaveStatus: string | null;
  /** Unix seconds, as Redis reports it. */
  rdbLastSaveTime: number | null;
  aofEnabled: boolean | null;
  aofLastWriteStatus: string | null;
  aofLastBgrewriteStatus: string | null;
  healthError: string | null;
  /** The heartbeat that last reported this instance's health. */
  healthAt: Date | null;
  updatedAt: Date;
  /** Set when the agent stopped reporting the instance; null = current. */
  removedAt: Date | null;
  /** Newest copy with at least one present location (local or offsite), per tier. */
  newestHourlyAt: Date | null;
  newestDailyAt: Date | null;
  newestAnyAt: Date | null;
}

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

export interface ListInstancesOptions {
  agentId?: string;
  includeRemoved?: boolean;
}

export interface ListBackupsOptions {
  instance?: string;
  agentId?: string;
  /** Also list backups with no present location, and show gone locations. */
  includeGone?: boolean;
  limit?: number;
}

export interface NewestBackupOptions {
  tier?: Tier;
  /** Only copies created at or before this time. */
  before?: Date;
}

export interface CreateJobInput {
  jobId: string;
  type: string;
  agentId: string;
  instance: string;
  args?: unknown;
  /** 0 or absent = no timeout. The deadline is created_at + timeoutMs (queued time counts). */
  timeoutMs?: number;
}

export interface JobPatch {
  state?: JobState;
  sentAt?: Date | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  errorHint?: string | null;
  resultJson?: string | null;
  phase?: string | null;
  done?: number | null;
  total?: number | null;
}

export interface JobRecord {
  jobId: string;
  type: string;
  agentId: string;
  instance: string;
  args: unknown;
  argsJson: string;
  state: JobState;
  createdAt: Date;
  sentAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  timeoutMs: number;
  deadlineAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  errorHint: string | null;
  resultJson: string | null;
  phase: string | null;
  done: number | null;
  total: number | null;
}

export interface JobUpdateResult {
  job: JobRecord;
  /** false: the job had already ended (terminal states are final) and the patch was ignored. */
  applied: boolean;
}

export interface ListJobsOptions {
  instance?: string;
  state?: JobState;
  agentId?: string;
  /** Default 100, at most 10000. */
  limit?: number;
}

export interface JobEventRecord {
  id: number;
  jobId: string;
  at: Date;
  kind: string;
  message: string;
  data: unknown;
}

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

export interface RebuildSources {
  agents: Array<{ agentId: string; copies: CopyInput[] }>;
  offsiteSets?: OffsiteSetInput[];
}

export interface RebuildResult {
  backups: number;
  locations: number;
  offsiteSets: number;
  rejected: Array<{ agentId: string; ref: CopyRef; reason: string }>;
}

export interface CatalogStats {
  schemaVersion: number;
  agents: number;
  agentsConnected: number;
  instances: number;
  instancesRemoved: number;
  backups: number;
  locations: Record<LocationKind, Record<PresenceState, number>>;
  jobs: Record<JobState, number>;
  jobEvents: number;
  offsiteSets: number;
  /** page_count × page_size of the main database file (WAL not included). */
  databaseBytes: number;
}

export interface QueryPlan {
  name: string;
  sql: string;
  plan: string[];
}

// ---- rows as SQLite returns them ---------------------------------------------------------------

interface AgentRow {
  agent_id: string;
  hostname: string;
  agent_version: string;
  protocol_version: number;
  transfer_address: string;
  first_seen_at: number;
  last_seen_at: number;
  last_heartbeat_at: number | null;
  connected: number;
  connected_since: number | null;
  disconnected_at: number | null;
  backup_free_bytes: number | null;
  backup_total_bytes: number | null;
  instance_names: string;
}

interface InstanceRow {
  agent_id: string;
  name: string;
  address: string;
  redis_version: string;
  role: string;
  up: number | null;
  loading: number | null;
  dbsize: number | null;
  used_memory: number | null;
  rdb_last_bgsave_status: string | null;
  rdb_last_save_time: number | null;
  aof_enabled: number | null;
  aof_last_write_status: string | null;
  aof_last_bgrewrite_status: string | null;
  health_error: string | null;
  health_at: number | null;
  updated_at: number;
  removed_at: number | null;
  newest_hourly_at: number | null;
  newest_daily_at: number | null;
  newest_any_at: number | null;
}

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

interface JobRow {
  job_id: string;
  type: string;
  agent_id: string;
  instance: string;
  args_json: string;
  state: string;
  created_at: number;
  sent_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  timeout_ms: number;
  deadline_at: number | null;
  error_code: string | null;
  error_message: string | null;
  error_hint: string | null;
  result_json: string | null;
  phase: string | null;
  done: number | null;
  total: number | null;
}

interface JobEventRow {
  id: number;
  job_id: string;
  at: number;
  kind: string;
  message: string;
  data_json: string | null;
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

// ---- SQL ---------------------------------------------------------------------------------------

/** `1` when the backup (aliased `b`) has at least one present location (PK prefix of backup_locations). */
const PRESENT_EXISTS = `EXISTS (SELECT 1 FROM backup_locations l
  WHERE l.agent_id = b.agent_id AND l.instance = b.instance AND l.backup_id = b.id AND l.state = 'present')`;

function newestSubquery(tier: Tier | null): string {
  // Walks backups_by_agent_instance[_tier]_time backwards and stops at the first present copy.
  return `(SELECT b.created_at FROM backups b
    WHERE b.agent_id = i.agent_id AND b.instance = i.name${tier ? ` AND b.tier = '${tier}'` : ''} AND ${PRESENT_EXISTS}
    ORDER BY b.created_at DESC, b.id DESC LIMIT 1)`;
}

const INSTANCE_SELECT = `SELECT i.*,
  ${newestSubquery('hourly')} AS newest_hourly_at,
  ${newestSubquery('daily')} AS newest_daily_at,
  ${newestSubquery(null)} AS newest_any_at
FROM instances i`;

const AGENT_SELECT = `SELECT a.*,
  (SELECT json_group_array(name) FROM (SELECT n.name FROM instances n
     WHERE n.agent_id = a.agent_id AND n.removed_at IS NULL ORDER BY n.name)) AS instance_names
FROM agents a`;

const BACKUP_SELECT = `SELECT b.*, ${PRESENT_EXISTS} AS present FROM backups b`;

const DEFAULT_JOB_LIMIT = 100;
const MAX_JOB_LIMIT = 10_000;

// ---- helpers -----------------------------------------------------------------------------------

const ms = (d: Date): number => d.getTime();
const msOrNull = (d: Date | null | undefined): number | null => (d == null ? null : d.getTime());
const toDate = (v: number): Date => new Date(v);
const toDateOrNull = (v: number | null): Date | null => (v == null ? null : new Date(v));
const boolInt = (v: boolean | null | undefined): number | null => (v == null ? null : v ? 1 : 0);
const intBool = (v: number | null): boolean | null => (v == null ? null : v !== 0);
const emptyToNull = (v: string | null | undefined): string | null => (v == null || v === '' ? null : v);
const ref = (instance: string, id: string): CopyRef => `${instance}/${id}`;

function parseJson(text: string | null): unknown {
  if (text == null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

function isConstraint(err: unknown, code: string): boolean {
  return (err as { code?: string } | null)?.code === code;
}

// ---- the catalog -------------------------------------------------------------------------------

/**
 * The coordinator's SQLite catalog: an index over the agents' local manifests and the offsite
 * manifests (DESIGN.md "Sources of truth"), plus the fleet's agents, instances and jobs. It can be
 * rebuilt from those sources with `rebuildFrom`. Synchronous (better-sqlite3); one writer process.
 */
export class Catalog {
  private readonly db: Database.Database;
  private readonly clock: Clock;
  private readonly stmts: ReturnType<typeof prepareStatements>;
  /** Statements whose WHERE depends on which filters are given: prepared once per variant. */
  private readonly variants = new Map<string, Database.Statement>();

  private constructor(db: Database.Database, clock: Clock, readonly path: string) {
    this.db = db;
    this.clock = clock;
    this.stmts = prepareStatements(db);
  }

  /**
   * Opens (creating if needed) the catalog at `path`: parent directory created 0700, database file
   * 0600, WAL, synchronous=NORMAL, foreign keys on, busy timeout 5 s, migrations applied. A catalog
   * written by a newer redback is refused (CONFIG_INVALID). `:memory:` works for tests.
   */
  static open(path: string, options: CatalogOptions = {}): Catalog {
    const inMemory = path === ':memory:' || path === '';
    const fullPath = inMemory ? path : resolve(path);
    let created = false;
    if (!inMemory) {
      const dir = dirname(fullPath);
      try {
        mkdirSync(dir, { recursive: true, mode: 0o700 });
      } catch (err) {
        throw storageError(err, 'create catalog directory', dir);
      }
      created = !existsSync(fullPath);
    }
    let db: Database.Database;
    try {
      db = new Database(fullPath, { timeout: 5000 });
    } catch (err) {
      throw new RedbackError('CONFIG_INVALID', `cannot open catalog ${fullPath}: ${(err as Error).message}`, {
        hint: 'check the coordinator\'s catalog path and its permissions',
        cause: err,
        details: { path: fullPath },
      });
    }
    try {
      if (created) chmodSync(fullPath, 0o600);
      db.pragma('busy_timeout = 5000');
      assertNotNewer(schemaVersion(db), fullPath);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, undefined, fullPath);
      return new Catalog(db, options.clock ?? systemClock, fullPath);
    } catch (err) {
      db.close();
      if (err instanceof RedbackError) throw err;
      const code = (err as { code?: string }).code ?? '';
      throw new RedbackError('CONFIG_INVALID', `cannot open catalog ${fullPath}: ${(err as Error).message}`, {
        hint:
          code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT'
            ? 'the file is not a usable SQLite database: move it aside and run `redback catalog rebuild`'
            : 'check the coordinator\'s catalog path and its permissions',
        cause: err,
        details: { path: fullPath, sqliteCode: code },
      });
    }
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  get schemaVersion(): number {
    return schemaVersion(this.db);
  }

  private now(): number {
    return ms(this.clock.now());
  }

  // ---- agents & instances ----------------------------------------------------------------------

  /**
   * Records an agent's Hello: the agent is connected since now; listed instances are upserted
   * (a re-appearing one gets removed_at cleared) and instances not listed get removed_at = now.
   */
  upsertAgent(hello: AgentHelloInput): AgentRecord {
    const now = this.now();
    this.db.transaction(() => {
      this.stmts.upsertAgent.run({
        agentId: hello.agentId,
        hostname: hello.hostname,
        agentVersion: hello.agentVersion,
        protocolVersion: hello.protocolVersion,
        transferAddress: hello.transferAddress ?? '',
        now,
      });
      for (const inst of hello.instances) {
        this.stmts.upsertInstanceInfo.run({
          agentId: hello.agentId,
          name: inst.name,
          address: inst.address ?? '',
          redisVersion: inst.redisVersion ?? '',
          role: inst.role ?? '',
          now,
        });
      }
      this.stmts.removeUnlistedInstances.run({
        agentId: hello.agentId,
        names: JSON.stringify(hello.instances.map((i) => i.name)),
        now,
      });
    })();
    return this.getAgent(hello.agentId)!;
  }

  /** The session ended. Returns false when the agent is unknown or already disconnected. */
  markDisconnected(agentId: string): boolean {
    return this.stmts.markDisconnected.run({ agentId, now: this.now() }).changes > 0;
  }

  /** At coordinator start: no session survives a restart. Returns how many were marked. */
  markAllDisconnected(): number {
    return this.stmts.markAllDisconnected.run({ now: this.now() }).changes;
  }

  /** Any message from the agent (inventory, progress, results) updates last_seen_at. */
  touchAgent(agentId: string, at: Date = this.clock.now()): boolean {
    return this.stmts.touchAgent.run({ agentId, at: ms(at) }).changes > 0;
  }

  /**
   * Applies a batch of heartbeats in ONE transaction (the coordinator buffers them and flushes every
   * second or so). Heartbeats from unknown agents are skipped and reported. An instance the Hello
   * did not list is created (address unknown); a reported instance has its removed_at cleared.
   * Cost: ~5-15 µs per row written (5000 agents × 2 instances ≈ 70-150 ms on a 2-core box), during
   * which the event loop is blocked: split very large batches if that matters.
   */
  recordHeartbeats(batch: HeartbeatInput[]): HeartbeatBatchResult {
    const result: HeartbeatBatchResult = { agents: 0, instances: 0, unknownAgents: [] };
    const { heartbeatAgent, heartbeatInstance } = this.stmts;
    this.db.transaction(() => {
      for (const hb of batch) {
        const at = ms(hb.at);
        const changed = heartbeatAgent.run({
          agentId: hb.agentId,
          at,
          free: hb.backupFreeBytes,
          total: hb.backupTotalBytes,
        }).changes;
        if (changed === 0) {
          result.unknownAgents.push(hb.agentId);
          continue;
        }
        result.agents++;
        for (const h of hb.instances) {
          heartbeatInstance.run({
            agentId: hb.agentId,
            name: h.name,
            role: h.role ?? '',
            up: h.up ? 1 : 0,
            loading: boolInt(h.loading ?? null),
            dbsize: h.dbsize ?? null,
            usedMemory: h.usedMemory ?? null,
            rdbLastBgsaveStatus: emptyToNull(h.rdbLastBgsaveStatus),
            rdbLastSaveTime: h.rdbLastSaveTime ?? null,
            aofEnabled: boolInt(h.aofEnabled ?? null),
            aofLastWriteStatus: emptyToNull(h.aofLastWriteStatus),
            aofLastBgrewriteStatus: emptyToNull(h.aofLastBgrewriteStatus),
            healthError: emptyToNull(h.error),
            at,
          });
          result.instances++;
        }
      }
    })();
    return result;
  }

  listAgents(): AgentRecord[] {
    return (this.stmts.listAgents.all() as AgentRow[]).map(agentFromRow);
  }

  getAgent(agentId: string): AgentRecord | null {
    const row = this.stmts.getAgent.get({ agentId }) as AgentRow | undefined;
    return row ? agentFromRow(row) : null;
  }

  /** Instances ordered by name then agent, each with its newest present copy per tier. */
  /** Agent and name of every current instance, without health or copies (cheap, for fan-out). */
  listInstanceKeys(): Array<{ agentId: string; name: string }> {
    return (this.stmts.listInstanceKeys.all() as Array<{ agent_id: string; name: string }>).map((r) => ({ agentId: r.agent_id, name: r.name }));
  }

  listInstances(options: ListInstancesOptions = {}): InstanceRecord[] {
    const where: string[] = [];
    if (options.agentId !== undefined) where.push('i.agent_id = @agentId');
    if (!options.includeRemoved) where.push('i.removed_at IS NULL');
    const stmt = this.variant(
      `listInstances:${options.agentId !== undefined}:${!!options.includeRemoved}`,
      `${INSTANCE_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY i.name, i.agent_id`,
    );
    const params = options.agentId !== undefined ? { agentId: options.agentId } : {};
    return (stmt.all(params) as InstanceRow[]).map(instanceFromRow);
  }

  getInstance(agentId: string, name: string): InstanceRecord | null {
    const row = this.stmts.getInstance.get({ agentId, name }) as InstanceRow | undefined;
    return row ? instanceFromRow(row) : null;
  }

  /**
   * Every agent that has (or had) an instance with this name, current ones first, to resolve an
   * ambiguous `--instance NAME`. Check `removedAt` to ignore instances no longer reported.
   */
  findInstances(name: string): InstanceRecord[] {
    return (this.stmts.findInstances.all({ name }) as InstanceRow[]).map(instanceFromRow);
  }

  // ---- backups -----------------------------------------------------------------------------------

  /**
   * Applies an agent's full inventory of local copies (sent on every connect): indexes unknown
   * copies with a 'local' location, revives listed locations that were gone, and marks this agent's
   * present local locations that are not listed as gone. One transaction; idempotent.
   */
  applyInventory(agentId: string, copies: CopyInput[]): InventoryResult {
    const now = this.now();
    const result: InventoryResult = { added: [], gone: [], revived: [], unchanged: 0, rejected: [] };
    this.db.transaction(() => {
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
      for (const loc of this.stmts.presentLocalLocations.all({ agentId }) as Array<{
        instance: string;
        backup_id: string;
        location: string;
      }>) {
        if (listed.has(locationKey(loc.instance, loc.backup_id, loc.location))) continue;
        this.stmts.markLocationGone.run({
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
      this.stmts.touchAgent.run({ agentId, at: now });
    })();
    return result;
  }

  /** The agent made a copy (CopyEvent CREATED). Throws USAGE when the manifest cannot be indexed. */
  recordCopyCreated(agentId: string, manifest: CopyManifest, path: string): CopyChange {
    const now = this.now();
    return this.db.transaction(() => {
      const change = this.indexCopy(agentId, manifest, 'local', path, now);
      if (typeof change === 'object') {
        throw new RedbackError('USAGE', `cannot index copy ${ref(manifest.instance, manifest.id)}: ${change.reason}`, {
          details: { agentId, instance: manifest.instance, id: manifest.id },
        });
      }
      this.stmts.touchAgent.run({ agentId, at: now });
      return change;
    })();
  }

  /** The agent deleted a copy (CopyEvent DELETED): its local locations become gone. */
  recordCopyDeleted(agentId: string, instance: string, id: string): boolean {
    const now = this.now();
    return this.db.transaction(() => {
      const changes = this.stmts.markBackupLocalGone.run({ agentId, instance, backupId: id, now }).changes;
      this.stmts.touchAgent.run({ agentId, at: now });
      return changes > 0;
    })();
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
    const stmt = this.variant(
      `listBackups:${options.agentId !== undefined}:${options.instance !== undefined}:${!!options.includeGone}`,
      `${BACKUP_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY b.created_at DESC, b.id DESC LIMIT @limit`,
    );
    return (stmt.all(params) as BackupRow[]).map((row) => this.backupFromRow(row, !options.includeGone));
  }

  /** One backup with all its locations, present and gone. */
  getBackup(agentId: string, instance: string, id: string): BackupRecord | null {
    const row = this.stmts.getBackup.get({ agentId, instance, id }) as BackupRow | undefined;
    return row ? this.backupFromRow(row, false) : null;
  }

  /** The newest backup of the instance that has a present location (only present locations listed). */
  newestBackup(agentId: string, instance: string, options: NewestBackupOptions = {}): BackupRecord | null {
    const stmt = options.tier ? this.stmts.newestBackupOfTier : this.stmts.newestBackupAny;
    const params: Record<string, unknown> = {
      agentId,
      instance,
      before: options.before ? ms(options.before) : Number.MAX_SAFE_INTEGER,
    };
    if (options.tier) params.tier = options.tier;
    const row = stmt.get(params) as BackupRow | undefined;
    return row ? this.backupFromRow(row, true) : null;
  }

  // ---- offsite sets ------------------------------------------------------------------------------

  /** Inserts or updates an offsite set; with `rdb`, indexes its RDB as a backup with an 'offsite' location. */
  insertOffsiteSet(set: OffsiteSetInput): void {
    const now = this.now();
    this.db.transaction(() => this.writeOffsiteSet(set, now))();
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
    const stmt = this.variant(
      `listOffsiteSets:${options.agentId !== undefined}:${options.instance !== undefined}`,
      `SELECT o.* FROM offsite_sets o${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY o.created_at DESC, o.set_id DESC LIMIT @limit`,
    );
    return (stmt.all(params) as OffsiteSetRow[]).map(offsiteSetFromRow);
  }

  // ---- jobs --------------------------------------------------------------------------------------

  /** A new job in state 'queued' (with a 'state' event). Throws INTERNAL on a duplicate id. */
  /** Inserts jobs built with newJobRecord (and their first state event) in one transaction. */
  insertJobRecords(records: readonly JobRecord[]): void {
    this.db.transaction(() => {
      for (const job of records) {
        this.stmts.insertJobInState.run({
          job_id: job.jobId,
          type: job.type,
          agent_id: job.agentId,
          instance: job.instance,
          args_json: job.argsJson,
          state: job.state,
          created_at: job.createdAt.getTime(),
          sent_at: job.sentAt ? job.sentAt.getTime() : null,
          timeout_ms: job.timeoutMs,
          deadline_at: job.deadlineAt ? job.deadlineAt.getTime() : null,
        });
        this.insertEvent(job.jobId, job.createdAt.getTime(), 'state', job.state === 'sent' ? 'queued -> sent' : 'queued', { to: job.state });
      }
    })();
  }

  /** Runs `fn` in one transaction (nested calls become savepoints): many writes, one commit. */
  inTransaction<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  createJob(input: CreateJobInput): JobRecord {
    const now = this.now();
    const timeoutMs = Math.max(0, Math.floor(input.timeoutMs ?? 0));
    return this.db.transaction(() => {
      try {
        this.stmts.insertJob.run({
          jobId: input.jobId,
          type: input.type,
          agentId: input.agentId,
          instance: input.instance,
          argsJson: JSON.stringify(input.args ?? {}),
          now,
          timeoutMs,
          deadlineAt: timeoutMs > 0 ? now + timeoutMs : null,
        });
      } catch (err) {
        if (isConstraint(err, 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
          throw new RedbackError('INTERNAL', `job ${input.jobId} already exists in the catalog`, { cause: err });
        }
        throw err;
      }
      this.insertEvent(input.jobId, now, 'state', 'queued', { to: 'queued' });
      return this.getJob(input.jobId)!;
    })();
  }

  /**
   * Changes a job. A state change records a 'state' event and fills sent_at / started_at /
   * finished_at with now unless the patch gives them. Terminal states are final: a patch on an ended
   * job is ignored (`applied: false`), e.g. a result arriving after the job timed out.
   * Throws NOT_FOUND for an unknown job.
   */
  updateJob(jobId: string, patch: JobPatch): JobUpdateResult {
    return this.db.transaction(() => this.updateJobIn(jobId, patch, this.now()))();
  }

  getJob(jobId: string): JobRecord | null {
    const row = this.stmts.getJob.get({ jobId }) as JobRow | undefined;
    return row ? jobFromRow(row) : null;
  }

  /** Newest first (creation time, then insertion order). */
  listJobs(options: ListJobsOptions = {}): JobRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {
      limit: Math.min(MAX_JOB_LIMIT, Math.max(1, Math.floor(options.limit ?? DEFAULT_JOB_LIMIT))),
    };
    if (options.instance !== undefined) {
      where.push('j.instance = @instance');
      params.instance = options.instance;
    }
    if (options.state !== undefined) {
      where.push('j.state = @state');
      params.state = options.state;
    }
    if (options.agentId !== undefined) {
      where.push('j.agent_id = @agentId');
      params.agentId = options.agentId;
    }
    const stmt = this.variant(
      `listJobs:${options.instance !== undefined}:${options.state !== undefined}:${options.agentId !== undefined}`,
      `SELECT j.* FROM jobs j${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY j.created_at DESC, j.rowid DESC LIMIT @limit`,
    );
    return (stmt.all(params) as JobRow[]).map(jobFromRow);
  }

  /** Appends an event to a job's log. Throws NOT_FOUND for an unknown job. */
  addJobEvent(jobId: string, kind: string, message: string, data?: unknown): JobEventRecord {
    const now = this.now();
    try {
      const id = this.insertEvent(jobId, now, kind, message, data);
      return { id, jobId, at: toDate(now), kind, message, data: data ?? null };
    } catch (err) {
      if (isConstraint(err, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw jobNotFound(jobId);
      throw err;
    }
  }

  /** A job's events in order; `afterId` returns only newer ones (for watching a job). */
  listJobEvents(jobId: string, options: { afterId?: number } = {}): JobEventRecord[] {
    return (this.stmts.listJobEvents.all({ jobId, afterId: options.afterId ?? 0 }) as JobEventRow[]).map((row) => ({
      id: row.id,
      jobId: row.job_id,
      at: toDate(row.at),
      kind: row.kind,
      message: row.message,
      data: parseJson(row.data_json),
    }));
  }

  /** queued / sent / running jobs of an agent, oldest first (to re-send after a reconnect). */
  openJobsForAgent(agentId: string): JobRecord[] {
    return (this.stmts.openJobsForAgent.all({ agentId }) as JobRow[]).map(jobFromRow);
  }

  /** Open jobs whose deadline (created_at + timeout_ms) is at or before `now` become 'timed-out'. */
  expireJobs(now: Date = this.clock.now()): JobRecord[] {
    const at = ms(now);
    return this.db.transaction(() => {
      const expired: JobRecord[] = [];
      for (const row of this.stmts.expiredJobs.all({ now: at }) as JobRow[]) {
        const { job } = this.updateJobIn(
          row.job_id,
          {
            state: 'timed-out',
            errorCode: 'TIMEOUT',
            errorMessage: `${row.type} job did not finish within ${formatDuration(row.timeout_ms)} (state was ${row.state})`,
            errorHint:
              row.state === 'queued'
                ? 'the agent did not connect in time: check that it is running and can reach the coordinator'
                : "check the agent's log; the job may still be running on the host",
            finishedAt: now,
          },
          at,
        );
        expired.push(job);
      }
      return expired;
    })();
  }

  /** Jobs that failed or timed out at or after `since`, newest first. */
  failedJobsSince(since: Date): JobRecord[] {
    return (this.stmts.failedJobsSince.all({ since: ms(since) }) as JobRow[]).map(jobFromRow);
  }

  // ---- maintenance -------------------------------------------------------------------------------

  catalogStats(): CatalogStats {
    const counts = this.stmts.stats.get() as Record<string, number>;
    const locations: CatalogStats['locations'] = {
      local: { present: 0, gone: 0 },
      offsite: { present: 0, gone: 0 },
    };
    for (const row of this.stmts.locationCounts.all() as Array<{ kind: LocationKind; state: PresenceState; n: number }>) {
      locations[row.kind][row.state] = row.n;
    }
    const jobs = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const row of this.stmts.jobCounts.all() as Array<{ state: JobState; n: number }>) jobs[row.state] = row.n;
    return {
      schemaVersion: this.schemaVersion,
      agents: counts.agents!,
      agentsConnected: counts.agents_connected!,
      instances: counts.instances!,
      instancesRemoved: counts.instances_removed!,
      backups: counts.backups!,
      locations,
      jobs,
      jobEvents: counts.job_events!,
      offsiteSets: counts.offsite_sets!,
      databaseBytes: counts.database_bytes!,
    };
  }

  /**
   * Replaces the backup index (backups, backup_locations, offsite_sets) with what the sources of
   * truth say, in one transaction: the agents' local manifests and the offsite set manifests.
   * Agents, instances and jobs are kept. Copies that cannot be indexed are skipped and reported.
   */
  rebuildFrom(sources: RebuildSources): RebuildResult {
    const now = this.now();
    const result: RebuildResult = { backups: 0, locations: 0, offsiteSets: 0, rejected: [] };
    this.db.transaction(() => {
      this.db.exec('DELETE FROM backup_locations; DELETE FROM backups; DELETE FROM offsite_sets;');
      for (const agent of sources.agents) {
        for (const copy of agent.copies) {
          const change = this.indexCopy(agent.agentId, copy.manifest, 'local', copy.path, now);
          if (typeof change === 'object') {
            result.rejected.push({ agentId: agent.agentId, ref: ref(copy.manifest.instance, copy.manifest.id), reason: change.reason });
          }
        }
      }
      for (const set of sources.offsiteSets ?? []) this.writeOffsiteSet(set, now);
      const counts = this.stmts.rebuildCounts.get() as { backups: number; locations: number; offsite_sets: number };
      result.backups = counts.backups;
      result.locations = counts.locations;
      result.offsiteSets = counts.offsite_sets;
    })();
    return result;
  }

  /** EXPLAIN QUERY PLAN of the main read queries (for tests and `catalog` diagnostics). */
  explainQueryPlans(): QueryPlan[] {
    const plans: QueryPlan[] = [];
    const explain = (name: string, stmt: Database.Statement, params: Record<string, unknown>): void => {
      const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`).all(params) as Array<{ detail: string }>;
      plans.push({ name, sql: stmt.source, plan: rows.map((r) => r.detail) });
    };
    // Build every variant the CLI and coordinator use, then explain each.
    this.listInstances();
    this.listInstances({ agentId: 'x', includeRemoved: true });
    this.listBackups();
    this.listBackups({ instance: 'x' });
    this.listBackups({ agentId: 'x' });
    this.listBackups({ agentId: 'x', instance: 'x' });
    this.listBackups({ instance: 'x', includeGone: true });
    this.listJobs();
    this.listJobs({ instance: 'x' });
    this.listJobs({ state: 'failed' });
    this.listJobs({ agentId: 'x' });
    this.listOffsiteSets();
    this.listOffsiteSets({ agentId: 'x', instance: 'x' });
    const sample = { agentId: 'x', instance: 'x', id: 'x', name: 'x', jobId: 'x', limit: 10, state: 'failed', tier: 'hourly', before: 0, now: 0, since: 0, afterId: 0, backupId: 'x' };
    for (const [key, stmt] of this.variants) {
      explain(key, stmt, pick(sample, stmt.source));
    }
    const named: Array<keyof ReturnType<typeof prepareStatements>> = [
      'listAgents',
      'getAgent',
      'findInstances',
      'getInstance',
      'getBackup',
      'allLocations',
      'presentLocations',
      'newestBackupAny',
      'newestBackupOfTier',
      'presentLocalLocations',
      'markBackupLocalGone',
      'getJob',
      'openJobsForAgent',
      'expiredJobs',
      'failedJobsSince',
      'listJobEvents',
    ];
    for (const key of named) explain(key, this.stmts[key], pick(sample, this.stmts[key].source));
    return plans;
  }

  // ---- internals ---------------------------------------------------------------------------------

  private variant(key: string, sql: string): Database.Statement {
    let stmt = this.variants.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.variants.set(key, stmt);
    }
    return stmt;
  }

  /** Indexes one copy at one location (inside the caller's transaction). */
  private indexCopy(
    agentId: string,
    manifest: CopyManifest,
    kind: LocationKind,
    location: string,
    now: number,
  ): CopyChange | { reason: string } {
    const createdAt = Date.parse(manifest.createdAt);
    if (Number.isNaN(createdAt)) return { reason: `createdAt "${manifest.createdAt}" is not a time` };
    const manifestJson = canonicalJson(manifest);
    const existing = this.stmts.getBackupManifest.get({ agentId, instance: manifest.instance, id: manifest.id }) as
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
      this.stmts.insertBackup.run(row);
      newBackup = true;
    } else if (existing.manifest_json !== manifestJson) {
      // The manifest was rewritten (e.g. pinned): the catalog follows the source of truth.
      this.stmts.updateBackup.run(row);
    }
    const key = { agentId, instance: manifest.instance, backupId: manifest.id, kind, location };
    const loc = this.stmts.getLocationState.get(key) as { state: PresenceState } | undefined;
    if (!loc) {
      this.stmts.insertLocation.run({ ...key, now });
      return 'added';
    }
    this.stmts.presentLocation.run({ ...key, now });
    if (loc.state === 'gone') return newBackup ? 'added' : 'revived';
    return newBackup ? 'added' : 'unchanged';
  }

  private writeOffsiteSet(set: OffsiteSetInput, now: number): void {
    this.stmts.upsertOffsiteSet.run({
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
      const change = this.indexCopy(set.agentId, set.rdb.manifest, 'offsite', set.rdb.key, now);
      if (typeof change === 'object') {
        throw new RedbackError('USAGE', `cannot index offsite copy ${ref(set.rdb.manifest.instance, set.rdb.manifest.id)}: ${change.reason}`);
      }
    }
  }

  private insertEvent(jobId: string, at: number, kind: string, message: string, data: unknown): number {
    const info = this.stmts.insertJobEvent.run({
      jobId,
      at,
      kind,
      message,
      dataJson: data === undefined || data === null ? null : JSON.stringify(data),
    });
    return Number(info.lastInsertRowid);
  }

  private updateJobIn(jobId: string, patch: JobPatch, now: number): JobUpdateResult {
    const row = this.stmts.getJob.get({ jobId }) as JobRow | undefined;
    if (!row) throw jobNotFound(jobId);
    const current = jobFromRow(row);
    if ((TERMINAL_JOB_STATES as readonly string[]).includes(current.state)) return { job: current, applied: false };
    if (patch.state !== undefined && !isJobState(patch.state)) {
      throw new RedbackError('INTERNAL', `unknown job state "${patch.state as string}"`);
    }
    const next: JobRecord = { ...current };
    const assign = <K extends keyof JobPatch & keyof JobRecord>(key: K): void => {
      if (patch[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = patch[key];
    };
    (['state', 'sentAt', 'startedAt', 'finishedAt', 'errorCode', 'errorMessage', 'errorHint', 'resultJson', 'phase', 'done', 'total'] as const).forEach(
      assign,
    );
    const stateChanged = next.state !== current.state;
    if (stateChanged) {
      if (next.state === 'sent' && next.sentAt == null) next.sentAt = toDate(now);
      if (next.state === 'running' && next.startedAt == null) next.startedAt = toDate(now);
      if ((TERMINAL_JOB_STATES as readonly string[]).includes(next.state) && next.finishedAt == null) next.finishedAt = toDate(now);
    }
    this.stmts.updateJob.run({
      jobId,
      state: next.state,
      sentAt: msOrNull(next.sentAt),
      startedAt: msOrNull(next.startedAt),
      finishedAt: msOrNull(next.finishedAt),
      errorCode: next.errorCode,
      errorMessage: next.errorMessage,
      errorHint: next.errorHint,
      resultJson: next.resultJson,
      phase: next.phase,
      done: next.done,
      total: next.total,
    });
    if (stateChanged) {
      const data: Record<string, unknown> = { from: current.state, to: next.state };
      if (next.errorCode && next.errorCode !== current.errorCode) data.errorCode = next.errorCode;
      this.insertEvent(jobId, now, 'state', `${current.state} -> ${next.state}`, data);
    }
    return { job: next, applied: true };
  }

  private backupFromRow(row: BackupRow, presentOnly: boolean): BackupRecord {
    const key = { agentId: row.agent_id, instance: row.instance, backupId: row.id };
    const locs = (presentOnly ? this.stmts.presentLocations : this.stmts.allLocations).all(key) as LocationRow[];
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

// ---- statements (prepared once per Catalog) ----------------------------------------------------

function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    upsertAgent: p(`INSERT INTO agents (agent_id, hostname, agent_version, protocol_version, transfer_address,
        first_seen_at, last_seen_at, connected, connected_since, disconnected_at)
      VALUES (@agentId, @hostname, @agentVersion, @protocolVersion, @transferAddress, @now, @now, 1, @now, NULL)
      ON CONFLICT (agent_id) DO UPDATE SET hostname = excluded.hostname, agent_version = excluded.agent_version,
        protocol_version = excluded.protocol_version, transfer_address = excluded.transfer_address,
        last_seen_at = excluded.last_seen_at, connected = 1, connected_since = excluded.connected_since,
        disconnected_at = NULL`),
    upsertInstanceInfo: p(`INSERT INTO instances (agent_id, name, address, redis_version, role, updated_at, removed_at)
      VALUES (@agentId, @name, @address, @redisVersion, @role, @now, NULL)
      ON CONFLICT (agent_id, name) DO UPDATE SET address = excluded.address, redis_version = excluded.redis_version,
        role = excluded.role, updated_at = excluded.updated_at, removed_at = NULL`),
    removeUnlistedInstances: p(`UPDATE instances SET removed_at = @now, updated_at = @now
      WHERE agent_id = @agentId AND removed_at IS NULL AND name NOT IN (SELECT value FROM json_each(@names))`),
    markDisconnected: p(`UPDATE agents SET connected = 0, disconnected_at = @now WHERE agent_id = @agentId AND connected = 1`),
    markAllDisconnected: p(`UPDATE agents SET connected = 0, disconnected_at = @now WHERE connected = 1`),
    touchAgent: p(`UPDATE agents SET last_seen_at = max(last_seen_at, @at) WHERE agent_id = @agentId`),
    heartbeatAgent: p(`UPDATE agents SET last_heartbeat_at = @at, last_seen_at = max(last_seen_at, @at),
        backup_free_bytes = @free, backup_total_bytes = @total
      WHERE agent_id = @agentId`),
    heartbeatInstance: p(`INSERT INTO instances (agent_id, name, role, up, loading, dbsize, used_memory,
        rdb_last_bgsave_status, rdb_last_save_time, aof_enabled, aof_last_write_status, aof_last_bgrewrite_status,
        health_error, health_at, updated_at, removed_at)
      VALUES (@agentId, @name, @role, @up, @loading, @dbsize, @usedMemory, @rdbLastBgsaveStatus, @rdbLastSaveTime,
        @aofEnabled, @aofLastWriteStatus, @aofLastBgrewriteStatus, @healthError, @at, @at, NULL)
      ON CONFLICT (agent_id, name) DO UPDATE SET
        role = CASE WHEN excluded.role <> '' THEN excluded.role ELSE instances.role END,
        up = excluded.up, loading = excluded.loading, dbsize = excluded.dbsize, used_memory = excluded.used_memory,
        rdb_last_bgsave_status = excluded.rdb_last_bgsave_status, rdb_last_save_time = excluded.rdb_last_save_time,
        aof_enabled = excluded.aof_enabled, aof_last_write_status = excluded.aof_last_write_status,
        aof_last_bgrewrite_status = excluded.aof_last_bgrewrite_status, health_error = excluded.health_error,
        health_at = excluded.health_at, updated_at = excluded.updated_at, removed_at = NULL`),
    listAgents: p(`${AGENT_SELECT} ORDER BY a.agent_id`),
    getAgent: p(`${AGENT_SELECT} WHERE a.agent_id = @agentId`),
    getInstance: p(`${INSTANCE_SELECT} WHERE i.agent_id = @agentId AND i.name = @name`),
    findInstances: p(`${INSTANCE_SELECT} WHERE i.name = @name ORDER BY i.removed_at IS NOT NULL, i.agent_id`),

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

    upsertOffsiteSet: p(`INSERT INTO offsite_sets (agent_id, instance, set_id, bucket, prefix, manifest_key, created_at,
        bytes, rdb_backup_id, state, manifest_json)
      VALUES (@agentId, @instance, @setId, @bucket, @prefix, @manifestKey, @createdAt, @bytes, @rdbBackupId, @state,
        @manifestJson)
      ON CONFLICT (agent_id, instance, set_id) DO UPDATE SET bucket = excluded.bucket, prefix = excluded.prefix,
        manifest_key = excluded.manifest_key, created_at = excluded.created_at, bytes = excluded.bytes,
        rdb_backup_id = excluded.rdb_backup_id, state = excluded.state, manifest_json = excluded.manifest_json`),

    insertJob: p(`INSERT INTO jobs (job_id, type, agent_id, instance, args_json, state, created_at, timeout_ms, deadline_at)
      VALUES (@jobId, @type, @agentId, @instance, @argsJson, 'queued', @now, @timeoutMs, @deadlineAt)`),
    insertJobInState: p(`INSERT INTO jobs (job_id, type, agent_id, instance, args_json, state, created_at, sent_at, timeout_ms, deadline_at)
      VALUES (@job_id, @type, @agent_id, @instance, @args_json, @state, @created_at, @sent_at, @timeout_ms, @deadline_at)`),
    getJob: p(`SELECT j.* FROM jobs j WHERE j.job_id = @jobId`),
    listInstanceKeys: p(`SELECT i.agent_id, i.name FROM instances i WHERE i.removed_at IS NULL ORDER BY i.agent_id, i.name`),
    updateJob: p(`UPDATE jobs SET state = @state, sent_at = @sentAt, started_at = @startedAt, finished_at = @finishedAt,
        error_code = @errorCode, error_message = @errorMessage, error_hint = @errorHint, result_json = @resultJson,
        phase = @phase, done = @done, total = @total
      WHERE job_id = @jobId`),
    insertJobEvent: p(`INSERT INTO job_events (job_id, at, kind, message, data_json) VALUES (@jobId, @at, @kind, @message, @dataJson)`),
    listJobEvents: p(`SELECT e.* FROM job_events e WHERE e.job_id = @jobId AND e.id > @afterId ORDER BY e.id`),
    openJobsForAgent: p(`SELECT j.* FROM jobs j WHERE j.agent_id = @agentId AND j.state IN ('queued', 'sent', 'running')
      ORDER BY j.created_at, j.rowid`),
    // INDEXED BY: the small partial index of open jobs with a deadline, never a state index.
    expiredJobs: p(`SELECT j.* FROM jobs j INDEXED BY jobs_open_deadline
      WHERE j.state IN ('queued', 'sent', 'running') AND j.deadline_at IS NOT NULL AND j.deadline_at <= @now
      ORDER BY j.deadline_at`),
    failedJobsSince: p(`SELECT j.* FROM jobs j WHERE j.state IN ('failed', 'timed-out') AND j.finished_at >= @since
      ORDER BY j.finished_at DESC`),

    stats: p(`SELECT
        (SELECT count(*) FROM agents) AS agents,
        (SELECT count(*) FROM agents WHERE connected = 1) AS agents_connected,
        (SELECT count(*) FROM instances WHERE removed_at IS NULL) AS instances,
        (SELECT count(*) FROM instances WHERE removed_at IS NOT NULL) AS instances_removed,
        (SELECT count(*) FROM backups) AS backups,
        (SELECT count(*) FROM job_events) AS job_events,
        (SELECT count(*) FROM offsite_sets) AS offsite_sets,
        (SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()) AS database_bytes`),
    locationCounts: p(`SELECT kind, state, count(*) AS n FROM backup_locations GROUP BY kind, state`),
    jobCounts: p(`SELECT state, count(*) AS n FROM jobs GROUP BY state`),
    rebuildCounts: p(`SELECT (SELECT count(*) FROM backups) AS backups, (SELECT count(*) FROM backup_locations) AS locations,
        (SELECT count(*) FROM offsite_sets) AS offsite_sets`),
  };
}

// ---- row mapping -------------------------------------------------------------------------------

function agentFromRow(row: AgentRow): AgentRecord {
  return {
    agentId: row.agent_id,
    hostname: row.hostname,
    agentVersion: row.agent_version,
    protocolVersion: row.protocol_version,
    transferAddress: row.transfer_address,
    firstSeenAt: toDate(row.first_seen_at),
    lastSeenAt: toDate(row.last_seen_at),
    lastHeartbeatAt: toDateOrNull(row.last_heartbeat_at),
    connected: row.connected === 1,
    connectedSince: toDateOrNull(row.connected_since),
    disconnectedAt: toDateOrNull(row.disconnected_at),
    backupFreeBytes: row.backup_free_bytes,
    backupTotalBytes: row.backup_total_bytes,
    instances: JSON.parse(row.instance_names) as string[],
  };
}

function instanceFromRow(row: InstanceRow): InstanceRecord {
  return {
    agentId: row.agent_id,
    name: row.name,
    address: row.address,
    redisVersion: row.redis_version,
    role: row.role,
    up: intBool(row.up),
    loading: intBool(row.loading),
    dbsize: row.dbsize,
    usedMemory: row.used_memory,
    rdbLastBgsaveStatus: row.rdb_last_bgsave_status,
    rdbLastSaveTime: row.rdb_last_save_time,
    aofEnabled: intBool(row.aof_enabled),
    aofLastWriteStatus: row.aof_last_write_status,
    aofLastBgrewriteStatus: row.aof_last_bgrewrite_status,
    healthError: row.health_error,
    healthAt: toDateOrNull(row.health_at),
    updatedAt: toDate(row.updated_at),
    removedAt: toDateOrNull(row.removed_at),
    newestHourlyAt: toDateOrNull(row.newest_hourly_at),
    newestDailyAt: toDateOrNull(row.newest_daily_at),
    newestAnyAt: toDateOrNull(row.newest_any_at),
  };
}

/** A new job as insertJobRecords stores it, built without touching the database. */
export function newJobRecord(input: CreateJobInput, state: 'queued' | 'sent', nowMs: number, argsJson?: string): JobRecord {
  const timeoutMs = Math.max(0, Math.floor(input.timeoutMs ?? 0));
  const created = new Date(nowMs);
  return {
    jobId: input.jobId,
    type: input.type,
    agentId: input.agentId,
    instance: input.instance,
    args: input.args ?? {},
    argsJson: argsJson ?? JSON.stringify(input.args ?? {}),
    state,
    createdAt: created,
    sentAt: state === 'sent' ? created : null,
    startedAt: null,
    finishedAt: null,
    timeoutMs,
    deadlineAt: timeoutMs > 0 ? new Date(nowMs + timeoutMs) : null,
    errorCode: null,
    errorMessage: null,
    errorHint: null,
    resultJson: null,
    phase: null,
    done: null,
    total: null,
  };
}

function jobFromRow(row: JobRow): JobRecord {
  return {
    jobId: row.job_id,
    type: row.type,
    agentId: row.agent_id,
    instance: row.instance,
    args: parseJson(row.args_json),
    argsJson: row.args_json,
    state: row.state as JobState,
    createdAt: toDate(row.created_at),
    sentAt: toDateOrNull(row.sent_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    timeoutMs: row.timeout_ms,
    deadlineAt: toDateOrNull(row.deadline_at),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    errorHint: row.error_hint,
    resultJson: row.result_json,
    phase: row.phase,
    done: row.done,
    total: row.total,
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

function locationKey(instance: string, id: string, location: string): string {
  return JSON.stringify([instance, id, location]);
}

function jobNotFound(jobId: string): RedbackError {
  return new RedbackError('NOT_FOUND', `no job ${jobId} in the catalog`, {
    hint: 'list jobs with `redback jobs`',
    details: { jobId },
  });
}

/** The named parameters a statement uses, taken from `sample`. */
function pick(sample: Record<string, unknown>, sql: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const match of sql.matchAll(/@(\w+)/g)) out[match[1]!] = sample[match[1]!];
  return out;
}
