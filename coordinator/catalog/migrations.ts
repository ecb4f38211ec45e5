import type Database from 'better-sqlite3';
import { RedbackError } from '../../shared/errors/index.js';

/**
 * Schema migrations of the coordinator's catalog, applied in order. The database's
 * `PRAGMA user_version` is the version of the newest migration applied to it.
 *
 * Rules: append, never edit or renumber a migration that has shipped; versions start at 1 and are
 * contiguous. The catalog is only an index (DESIGN.md "Sources of truth"): a catalog that cannot be
 * migrated can be moved aside: the coordinator starts a new one and agents re-send their copies.
 *
 * Conventions: tables are STRICT; every time is INTEGER milliseconds since the Unix epoch (UTC), so
 * ordering and range comparisons are numeric; booleans are INTEGER 0/1; JSON is TEXT. Each index
 * says which query it serves (the names refer to `Catalog` methods).
 */
export interface Migration {
  version: number;
  description: string;
  up: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial catalog: agents, instances, backups, backup_locations, jobs, job_events, offsite_sets',
    up: `
CREATE TABLE agents (
  agent_id            TEXT PRIMARY KEY NOT NULL,
  hostname            TEXT NOT NULL,
  agent_version       TEXT NOT NULL,
  protocol_version    INTEGER NOT NULL,
  transfer_address    TEXT NOT NULL DEFAULT '',
  first_seen_at       INTEGER NOT NULL,
  last_seen_at        INTEGER NOT NULL,        -- any message from the agent
  last_heartbeat_at   INTEGER,
  connected           INTEGER NOT NULL DEFAULT 0 CHECK (connected IN (0, 1)),
  connected_since     INTEGER,
  disconnected_at     INTEGER,
  backup_free_bytes   INTEGER,
  backup_total_bytes  INTEGER
) STRICT;
-- listAgents / getAgent / heartbeats: primary key (the agent list is small and read whole).

CREATE TABLE instances (
  agent_id                  TEXT NOT NULL REFERENCES agents(agent_id) ON DELETE CASCADE,
  name                      TEXT NOT NULL,
  address                   TEXT NOT NULL DEFAULT '',
  redis_version             TEXT NOT NULL DEFAULT '',
  role                      TEXT NOT NULL DEFAULT '',
  up                        INTEGER CHECK (up IN (0, 1)),
  loading                   INTEGER CHECK (loading IN (0, 1)),
  dbsize                    INTEGER,
  used_memory               INTEGER,
  rdb_last_bgsave_status    TEXT,
  rdb_last_save_time        INTEGER,         -- Redis's own value: Unix SECONDS (INFO persistence)
  aof_enabled               INTEGER CHECK (aof_enabled IN (0, 1)),
  aof_last_write_status     TEXT,
  aof_last_bgrewrite_status TEXT,
  health_error              TEXT,
  health_at                 INTEGER,         -- heartbeat that last reported this instance's health
  updated_at                INTEGER NOT NULL,
  removed_at                INTEGER,         -- no longer reported by the agent; NULL = current
  PRIMARY KEY (agent_id, name)
) STRICT;
-- findInstances(name): all agents with an instance of this name (ambiguous-name resolution);
-- also the ORDER BY name, agent_id of listInstances.
CREATE INDEX instances_by_name ON instances(name, agent_id);

CREATE TABLE backups (
  agent_id       TEXT NOT NULL,   -- the agent whose local directory made the copy (no FK: a
                                  -- backup known only from S3 may outlive its agent's row)
  instance       TEXT NOT NULL,
  id             TEXT NOT NULL,
  tier           TEXT NOT NULL CHECK (tier IN ('hourly', 'daily', 'manual')),
  bytes          INTEGER NOT NULL,
  sha256         TEXT NOT NULL,
  crc64          TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  rdb_version    INTEGER NOT NULL,
  redis_version  TEXT,
  keys_json      TEXT NOT NULL,
  manifest_json  TEXT NOT NULL,   -- the copy's CopyManifest (carries its own checksum)
  first_seen_at  INTEGER NOT NULL,
  PRIMARY KEY (agent_id, instance, id)
) STRICT;
-- listInstances newest_any_at, newestBackup(agent, instance) without tier,
-- listBackups({ agentId, instance }) newest first.
CREATE INDEX backups_by_agent_instance_time ON backups(agent_id, instance, created_at, id);
-- listInstances newest_hourly_at / newest_daily_at, newestBackup(agent, instance, { tier }).
CREATE INDEX backups_by_agent_instance_tier_time ON backups(agent_id, instance, tier, created_at, id);
-- listBackups({ instance }) across agents, newest first.
CREATE INDEX backups_by_instance_time ON backups(instance, created_at, id);
-- listBackups({}) newest first without a sort. (listBackups({ agentId }) alone searches the
-- primary key / agent-instance index and sorts: one agent's copies are few.)
CREATE INDEX backups_by_time ON backups(created_at, id);

CREATE TABLE backup_locations (
  agent_id       TEXT NOT NULL,
  instance       TEXT NOT NULL,
  backup_id      TEXT NOT NULL,
  kind           TEXT NOT NULL CHECK (kind IN ('local', 'offsite')),
  location       TEXT NOT NULL,   -- local: file path on the agent; offsite: S3 key
  state          TEXT NOT NULL CHECK (state IN ('present', 'gone')),
  first_seen_at  INTEGER NOT NULL,
  last_seen_at   INTEGER NOT NULL,
  gone_at        INTEGER,
  PRIMARY KEY (agent_id, instance, backup_id, kind, location),
  FOREIGN KEY (agent_id, instance, backup_id) REFERENCES backups(agent_id, instance, id) ON DELETE CASCADE
) STRICT;
-- The primary key's prefix (agent_id, instance, backup_id) serves the locations of one backup
-- (listBackups, getBackup, the "has a present location" EXISTS of listInstances/newestBackup)
-- and the foreign key's cascade.
-- applyInventory: sweep of this agent's present local locations that were not listed.
CREATE INDEX backup_locations_by_agent_kind_state ON backup_locations(agent_id, kind, state);

CREATE TABLE jobs (
  job_id         TEXT PRIMARY KEY NOT NULL,
  type           TEXT NOT NULL,
  agent_id       TEXT NOT NULL,
  instance       TEXT NOT NULL DEFAULT '',
  args_json      TEXT NOT NULL DEFAULT '{}',
  state          TEXT NOT NULL CHECK (state IN ('queued', 'sent', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out')),
  created_at     INTEGER NOT NULL,
  sent_at        INTEGER,
  started_at     INTEGER,
  finished_at    INTEGER,
  timeout_ms     INTEGER NOT NULL DEFAULT 0,   -- 0 = no timeout
  deadline_at    INTEGER,                      -- created_at + timeout_ms, NULL = no timeout
  error_code     TEXT,
  error_message  TEXT,
  error_hint     TEXT,
  result_json    TEXT,
  phase          TEXT,
  done           INTEGER,
  total          INTEGER
) STRICT;
-- listJobs({}) newest first.
CREATE INDEX jobs_by_time ON jobs(created_at);
-- listJobs({ instance }) newest first.
CREATE INDEX jobs_by_instance_time ON jobs(instance, created_at);
-- listJobs({ state }) newest first.
CREATE INDEX jobs_by_state_time ON jobs(state, created_at);
-- failedJobsSince(date): state IN ('failed', 'timed-out') AND finished_at >= ?.
CREATE INDEX jobs_by_state_finished ON jobs(state, finished_at);
-- openJobsForAgent(agentId): agent_id = ? AND state IN ('queued', 'sent', 'running').
CREATE INDEX jobs_by_agent_state ON jobs(agent_id, state);
-- expireJobs(now) (named with INDEXED BY): only open jobs with a deadline, so it stays small.
CREATE INDEX jobs_open_deadline ON jobs(deadline_at)
  WHERE state IN ('queued', 'sent', 'running') AND deadline_at IS NOT NULL;

CREATE TABLE job_events (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id     TEXT NOT NULL REFERENCES jobs(job_id) ON DELETE CASCADE,
  at         INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  message    TEXT NOT NULL DEFAULT '',
  data_json  TEXT
) STRICT;
-- listJobEvents(jobId, { afterId }) in order; also the foreign key's cascade.
CREATE INDEX job_events_by_job ON job_events(job_id, id);

CREATE TABLE offsite_sets (
  agent_id       TEXT NOT NULL,
  instance       TEXT NOT NULL,
  set_id         TEXT NOT NULL,
  bucket         TEXT NOT NULL,
  prefix         TEXT NOT NULL,
  manifest_key   TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  bytes          INTEGER NOT NULL DEFAULT 0,
  rdb_backup_id  TEXT,
  state          TEXT NOT NULL,
  manifest_json  TEXT NOT NULL DEFAULT '{}',
  PRIMARY KEY (agent_id, instance, set_id)
) STRICT;
-- listOffsiteSets({ agentId, instance }) newest first.
CREATE INDEX offsite_sets_by_agent_instance_time ON offsite_sets(agent_id, instance, created_at, set_id);
-- listOffsiteSets({}) newest first.
CREATE INDEX offsite_sets_by_time ON offsite_sets(created_at, set_id);
`,
  },
  {
    version: 2,
    description: 'instance health: AOF trap and loading time, as heartbeats report them',
    up: `
ALTER TABLE instances ADD COLUMN aof_trap INTEGER CHECK (aof_trap IN (0, 1));
ALTER TABLE instances ADD COLUMN loading_seconds INTEGER;
`,
  },
  {
    version: 3,
    description: 'offsite sets: sizes, object count, verify status; offsite_objects (every object of every set)',
    up: `
ALTER TABLE offsite_sets ADD COLUMN plain_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offsite_sets ADD COLUMN object_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE offsite_sets ADD COLUMN verify_state TEXT NOT NULL DEFAULT 'never';
ALTER TABLE offsite_sets ADD COLUMN verified_at INTEGER;
ALTER TABLE offsite_sets ADD COLUMN verify_detail TEXT NOT NULL DEFAULT '';
-- OffsiteSets.list({ instance }) newest first (any agent).
CREATE INDEX offsite_sets_by_instance_time ON offsite_sets(instance, created_at, set_id);

CREATE TABLE offsite_objects (
  agent_id       TEXT NOT NULL,
  instance       TEXT NOT NULL,
  set_id         TEXT NOT NULL,
  key            TEXT NOT NULL,   -- relative to the set's directory, as in its manifest
  kind           TEXT NOT NULL,
  plain_bytes    INTEGER NOT NULL,
  plain_sha256   TEXT NOT NULL,
  stored_bytes   INTEGER NOT NULL,
  stored_sha256  TEXT NOT NULL,
  compression    TEXT NOT NULL,
  encrypted      INTEGER NOT NULL,
  verify_state   TEXT NOT NULL DEFAULT 'never',
  verify_detail  TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (agent_id, instance, set_id, key),
  FOREIGN KEY (agent_id, instance, set_id) REFERENCES offsite_sets(agent_id, instance, set_id) ON DELETE CASCADE
) STRICT;
`,
  },
  {
    version: 4,
    description: 'restore drills: one row per drill with its recovery time and key counts',
    up: `
CREATE TABLE drills (
  job_id           TEXT PRIMARY KEY NOT NULL,
  agent_id         TEXT NOT NULL,
  instance         TEXT NOT NULL,
  target_instance  TEXT,                   -- NULL: a scratch redis-server
  backup_id        TEXT,                   -- NULL: the drill failed before it chose a copy
  source           TEXT NOT NULL CHECK (source IN ('local', 'offsite')),
  started_at       INTEGER NOT NULL,
  finished_at      INTEGER NOT NULL,
  ok               INTEGER NOT NULL CHECK (ok IN (0, 1)),
  rto_ms           INTEGER,                -- start of the drill to verified data served
  phases_json      TEXT NOT NULL DEFAULT '{}',
  keys_expected    TEXT NOT NULL DEFAULT '{}',  -- JSON {db: keys}
  keys_found       TEXT NOT NULL DEFAULT '{}',
  error            TEXT
) STRICT;
-- DrillRecords.latest() / lastSuccess(): newest drill (and newest good one) per instance.
CREATE INDEX drills_by_instance_time ON drills(agent_id, instance, finished_at);
`,
  },
  {
    version: 5,
    description: 'recovery windows: per instance, the times a restore can reach (AOF archive spans to the second, nightly sets)',
    up: `
CREATE TABLE recovery_windows (
  agent_id     TEXT NOT NULL,
  instance     TEXT NOT NULL,
  from_at      INTEGER,          -- ms; oldest restorable time (a set or an archive span), NULL = nothing
  to_at        INTEGER,          -- ms; newest restorable time
  spans_json   TEXT NOT NULL,    -- [{from, to, epoch}] unix seconds: the archive restores any second inside
  gaps_json    TEXT NOT NULL,    -- [{from, to}] unix seconds between spans
  sets         INTEGER NOT NULL, -- complete nightly sets
  oldest_set   INTEGER,          -- ms
  newest_set   INTEGER,          -- ms
  updated_at   INTEGER NOT NULL,
  PRIMARY KEY (agent_id, instance)
) STRICT;
`,
  },
];

/** The schema version this code writes and understands. */
export const LATEST_SCHEMA_VERSION = MIGRATIONS.length === 0 ? 0 : MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Throws if versions are not 1, 2, 3, ... (a programming error caught by the tests). */
export function checkMigrations(migrations: readonly Migration[]): void {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new RedbackError('INTERNAL', `catalog migration #${i} has version ${m.version}, expected ${i + 1}`, {
        hint: 'migration versions must start at 1 and be contiguous',
      });
    }
  });
}

export interface MigrationReport {
  from: number;
  to: number;
  applied: number[];
}

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings `db` to the newest version of `migrations`. Each migration and its `user_version` bump run
 * in one IMMEDIATE transaction, and the version is re-read inside it, so two processes opening the
 * same catalog at once apply each migration exactly once. A database newer than the code is refused
 * before anything is written.
 */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS, path = 'catalog'): MigrationReport {
  checkMigrations(migrations);
  const latest = migrations.length === 0 ? 0 : migrations[migrations.length - 1]!.version;
  const from = schemaVersion(db);
  assertNotNewer(from, path, latest);
  const applied: number[] = [];
  for (const migration of migrations) {
    if (migration.version <= from) continue;
    const step = db.transaction(() => {
      const current = schemaVersion(db);
      assertNotNewer(current, path, latest);
      if (current >= migration.version) return false; // another process got there first
      try {
        db.exec(migration.up);
      } catch (err) {
        throw new RedbackError(
          'INTERNAL',
          `catalog migration ${migration.version} (${migration.description}) failed on ${path}: ${(err as Error).message}`,
          {
            hint: 'the catalog is only an index: move the file aside and restart the coordinator (agents re-send their copies when they connect), then run `redback catalog rebuild` for the offsite sets',
            cause: err,
            details: { path, version: migration.version },
          },
        );
      }
      db.pragma(`user_version = ${migration.version}`);
      return true;
    });
    if (step.immediate()) applied.push(migration.version);
  }
  return { from, to: schemaVersion(db), applied };
}

/** Refuses a catalog whose schema is newer than the code (written by a newer redback). */
export function assertNotNewer(found: number, path: string, latest: number = LATEST_SCHEMA_VERSION): void {
  if (found > latest) {
    throw new RedbackError(
      'CONFIG_INVALID',
      `catalog ${path} has schema version ${found}, newer than this redback understands (${latest})`,
      {
        hint: 'run the redback version that wrote this catalog (or newer), or point the coordinator at a fresh catalog file (agents re-send their copies when they connect)',
        details: { path, found, supported: latest },
      },
    );
  }
}
