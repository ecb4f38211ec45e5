import type Database from 'better-sqlite3';
import type { Tier } from '../../shared/manifest/copy-manifest.js';
import { boolInt, emptyToNull, intBool, ms, PRESENT_EXISTS, toDate, toDateOrNull, type CatalogDb } from './catalog-db.js';

// ---- types (camelCase, plain data; no gRPC types) -------------------------------------------------

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
  /** The agent found the AOF trap on disk (starting Redis would lose the data). */
  aofTrap?: boolean | null;
  /** Seconds Redis has been loading its dataset (0 / null when not loading). */
  loadingSeconds?: number | null;
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
  aofTrap: boolean | null;
  loadingSeconds: number | null;
  /** The heartbeat that last reported this instance's health. */
  healthAt: Date | null;
  updatedAt: Date;
  /** Set when the agent stopped reporting the instance; null = current. */
  removedAt: Date | null;
  /** Newest copy with at least one present location (local or offsite), per tier. */
  newestHourlyAt: Date | null;
  newestDailyAt: Date | null;
  newestManualAt: Date | null;
  /** Newest offsite set of the instance. */
  newestOffsiteAt: Date | null;
  newestAnyAt: Date | null;
}


export interface ListInstancesOptions {
  agentId?: string;
  includeRemoved?: boolean;
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
  aof_trap: number | null;
  loading_seconds: number | null;
  health_at: number | null;
  updated_at: number;
  removed_at: number | null;
  newest_hourly_at: number | null;
  newest_daily_at: number | null;
  newest_manual_at: number | null;
  newest_offsite_at: number | null;
  newest_any_at: number | null;
}

// ---- SQL ---------------------------------------------------------------------------------------

function newestSubquery(tier: Tier | null): string {
  // Walks backups_by_agent_instance[_tier]_time backwards and stops at the first present copy.
  return `(SELECT b.created_at FROM backups b
    WHERE b.agent_id = i.agent_id AND b.instance = i.name${tier ? ` AND b.tier = '${tier}'` : ''} AND ${PRESENT_EXISTS}
    ORDER BY b.created_at DESC, b.id DESC LIMIT 1)`;
}

const INSTANCE_SELECT = `SELECT i.*,
  ${newestSubquery('hourly')} AS newest_hourly_at,
  ${newestSubquery('daily')} AS newest_daily_at,
  ${newestSubquery('manual')} AS newest_manual_at,
  (SELECT max(o.created_at) FROM offsite_sets o WHERE o.agent_id = i.agent_id AND o.instance = i.name) AS newest_offsite_at,
  ${newestSubquery(null)} AS newest_any_at
FROM instances i`;

const AGENT_SELECT = `SELECT a.*,
  (SELECT json_group_array(name) FROM (SELECT n.name FROM instances n
     WHERE n.agent_id = a.agent_id AND n.removed_at IS NULL ORDER BY n.name)) AS instance_names
FROM agents a`;

/** The catalog's agents and their Redis instances: Hello, heartbeats, sessions. */
export class FleetRecords {
  readonly s: ReturnType<typeof prepareFleetStatements>;

  constructor(private readonly c: CatalogDb) {
    this.s = prepareFleetStatements(c.db);
  }

  /**
   * Records an agent's Hello: the agent is connected since now; listed instances are upserted
   * (a re-appearing one gets removed_at cleared) and instances not listed get removed_at = now.
   */
  upsertAgent(hello: AgentHelloInput): AgentRecord {
    const now = this.c.now();
    this.c.db.transaction(() => {
      this.s.upsertAgent.run({
        agentId: hello.agentId,
        hostname: hello.hostname,
        agentVersion: hello.agentVersion,
        protocolVersion: hello.protocolVersion,
        transferAddress: hello.transferAddress ?? '',
        now,
      });
      for (const inst of hello.instances) {
        this.s.upsertInstanceInfo.run({
          agentId: hello.agentId,
          name: inst.name,
          address: inst.address ?? '',
          redisVersion: inst.redisVersion ?? '',
          role: inst.role ?? '',
          now,
        });
      }
      this.s.removeUnlistedInstances.run({
        agentId: hello.agentId,
        names: JSON.stringify(hello.instances.map((i) => i.name)),
        now,
      });
    })();
    return this.getAgent(hello.agentId)!;
  }

  /** Deletes the agent and its instances; returns how many instances it had (null = unknown agent). */
  deleteAgent(agentId: string, dryRun = false): number | null {
    if (!this.getAgent(agentId)) return null;
    const { n } = this.s.countInstances.get({ agentId }) as { n: number };
    if (!dryRun) this.s.deleteAgent.run({ agentId });
    return n;
  }

  /** The session ended. Returns false when the agent is unknown or already disconnected. */
  markDisconnected(agentId: string): boolean {
    return this.s.markDisconnected.run({ agentId, now: this.c.now() }).changes > 0;
  }

  /** At coordinator start: no session survives a restart. Returns how many were marked. */
  markAllDisconnected(): number {
    return this.s.markAllDisconnected.run({ now: this.c.now() }).changes;
  }

  /** Any message from the agent (inventory, progress, results) updates last_seen_at. */
  touchAgent(agentId: string, at: Date = this.c.clock.now()): boolean {
    return this.s.touchAgent.run({ agentId, at: ms(at) }).changes > 0;
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
    const { heartbeatAgent, heartbeatInstance } = this.s;
    this.c.db.transaction(() => {
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
            aofTrap: boolInt(h.aofTrap ?? null),
            loadingSeconds: h.loadingSeconds ?? null,
            at,
          });
          result.instances++;
        }
      }
    })();
    return result;
  }

  listAgents(): AgentRecord[] {
    return (this.s.listAgents.all() as AgentRow[]).map(agentFromRow);
  }

  getAgent(agentId: string): AgentRecord | null {
    const row = this.s.getAgent.get({ agentId }) as AgentRow | undefined;
    return row ? agentFromRow(row) : null;
  }

  /** Instances ordered by name then agent, each with its newest present copy per tier. */
  /** Agent and name of every current instance, without health or copies (cheap, for fan-out). */
  listInstanceKeys(): Array<{ agentId: string; name: string }> {
    return (this.s.listInstanceKeys.all() as Array<{ agent_id: string; name: string }>).map((r) => ({ agentId: r.agent_id, name: r.name }));
  }

  listInstances(options: ListInstancesOptions = {}): InstanceRecord[] {
    const where: string[] = [];
    if (options.agentId !== undefined) where.push('i.agent_id = @agentId');
    if (!options.includeRemoved) where.push('i.removed_at IS NULL');
    const stmt = this.c.variant(
      `listInstances:${options.agentId !== undefined}:${!!options.includeRemoved}`,
      `${INSTANCE_SELECT}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY i.name, i.agent_id`,
    );
    const params = options.agentId !== undefined ? { agentId: options.agentId } : {};
    return (stmt.all(params) as InstanceRow[]).map(instanceFromRow);
  }

  getInstance(agentId: string, name: string): InstanceRecord | null {
    const row = this.s.getInstance.get({ agentId, name }) as InstanceRow | undefined;
    return row ? instanceFromRow(row) : null;
  }

  /**
   * Every agent that has (or had) an instance with this name, current ones first, to resolve an
   * ambiguous `--instance NAME`. Check `removedAt` to ignore instances no longer reported.
   */
  findInstances(name: string): InstanceRecord[] {
    return (this.s.findInstances.all({ name }) as InstanceRow[]).map(instanceFromRow);
  }
}

function prepareFleetStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    // Instances go with it (ON DELETE CASCADE).
    deleteAgent: p(`DELETE FROM agents WHERE agent_id = @agentId`),
    countInstances: p(`SELECT count(*) AS n FROM instances WHERE agent_id = @agentId`),
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
        health_error, aof_trap, loading_seconds, health_at, updated_at, removed_at)
      VALUES (@agentId, @name, @role, @up, @loading, @dbsize, @usedMemory, @rdbLastBgsaveStatus, @rdbLastSaveTime,
        @aofEnabled, @aofLastWriteStatus, @aofLastBgrewriteStatus, @healthError, @aofTrap, @loadingSeconds, @at, @at, NULL)
      ON CONFLICT (agent_id, name) DO UPDATE SET
        role = CASE WHEN excluded.role <> '' THEN excluded.role ELSE instances.role END,
        up = excluded.up, loading = excluded.loading, dbsize = excluded.dbsize, used_memory = excluded.used_memory,
        rdb_last_bgsave_status = excluded.rdb_last_bgsave_status, rdb_last_save_time = excluded.rdb_last_save_time,
        aof_enabled = excluded.aof_enabled, aof_last_write_status = excluded.aof_last_write_status,
        aof_last_bgrewrite_status = excluded.aof_last_bgrewrite_status, health_error = excluded.health_error,
        aof_trap = excluded.aof_trap, loading_seconds = excluded.loading_seconds,
        health_at = excluded.health_at, updated_at = excluded.updated_at, removed_at = NULL`),
    listAgents: p(`${AGENT_SELECT} ORDER BY a.agent_id`),
    getAgent: p(`${AGENT_SELECT} WHERE a.agent_id = @agentId`),
    getInstance: p(`${INSTANCE_SELECT} WHERE i.agent_id = @agentId AND i.name = @name`),
    findInstances: p(`${INSTANCE_SELECT} WHERE i.name = @name ORDER BY i.removed_at IS NOT NULL, i.agent_id`),
    listInstanceKeys: p(`SELECT i.agent_id, i.name FROM instances i WHERE i.removed_at IS NULL ORDER BY i.agent_id, i.name`),
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
    aofTrap: intBool(row.aof_trap),
    loadingSeconds: row.loading_seconds,
    healthAt: toDateOrNull(row.health_at),
    updatedAt: toDate(row.updated_at),
    removedAt: toDateOrNull(row.removed_at),
    newestHourlyAt: toDateOrNull(row.newest_hourly_at),
    newestDailyAt: toDateOrNull(row.newest_daily_at),
    newestManualAt: toDateOrNull(row.newest_manual_at),
    newestOffsiteAt: toDateOrNull(row.newest_offsite_at),
    newestAnyAt: toDateOrNull(row.newest_any_at),
  };
}

