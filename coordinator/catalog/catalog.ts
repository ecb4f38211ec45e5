import { RecoveryWindows } from './recovery-windows.js';
import { existsSync, mkdirSync, chmodSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import type { CopyManifest } from '../../shared/manifest/copy-manifest.js';
import { systemClock, type Clock } from '../../shared/time/clock.js';
import { BackupIndex, type BackupRecord, type CopyChange, type CopyInput, type InventoryResult, type ListBackupsOptions, type NewestBackupOptions } from './backup-index.js';
import { CatalogDb } from './catalog-db.js';
import { CatalogMaintenance, type CatalogStats, type QueryPlan, type RebuildResult, type RebuildSources } from './catalog-maintenance.js';
import {
  FleetRecords,
  type AgentHelloInput,
  type AgentRecord,
  type HeartbeatBatchResult,
  type HeartbeatInput,
  type InstanceRecord,
  type ListInstancesOptions,
} from './fleet-records.js';
import {
  JobRecords,
  type CreateJobInput,
  type JobEventRecord,
  type JobPatch,
  type JobRecord,
  type JobUpdateResult,
  type ListJobsOptions,
} from './job-records.js';
import { assertNotNewer, migrate, schemaVersion } from './migrations.js';
import { OffsiteSets, type OffsiteSetInput, type OffsiteSetRecord } from './offsite-sets.js';
import { DrillRecords } from './drill-records.js';

export * from './backup-index.js';
export * from './catalog-maintenance.js';
export * from './fleet-records.js';
export * from './job-records.js';
export * from './offsite-sets.js';
export * from './drill-records.js';

export interface CatalogOptions {
  clock?: Clock;
}

/**
 * The coordinator's SQLite catalog: an index over the agents' local manifests and the offsite
 * manifests (DESIGN.md "Sources of truth"), plus the fleet's agents, instances and jobs. It can be
 * rebuilt from those sources with `rebuildFrom`. Synchronous (better-sqlite3); one writer process.
 *
 * A thin facade over one part per concern, each owning its statements, rows and types:
 * `fleet` (agents, instances), `backups` (the backup index), `offsite` (offsite sets),
 * `jobs` (jobs and their events), `drills` (restore drills) and `maintenance` (stats, rebuild, query plans).
 */
export class Catalog {
  private readonly c: CatalogDb;
  readonly fleet: FleetRecords;
  readonly backups: BackupIndex;
  readonly offsite: OffsiteSets;
  readonly jobs: JobRecords;
  readonly maintenance: CatalogMaintenance;
  readonly windows: RecoveryWindows;
  readonly drills: DrillRecords;

  private constructor(db: Database.Database, clock: Clock, readonly path: string) {
    this.c = new CatalogDb(db, clock);
    this.fleet = new FleetRecords(this.c);
    this.backups = new BackupIndex(this.c, (agentId, at) => this.fleet.s.touchAgent.run({ agentId, at }));
    this.offsite = new OffsiteSets(this.c, this.backups);
    this.jobs = new JobRecords(this.c);
    this.windows = new RecoveryWindows(this.c);
    this.drills = new DrillRecords(this.c);
    this.maintenance = new CatalogMaintenance(this.c, {
      fleet: this.fleet,
      backups: this.backups,
      offsite: this.offsite,
      jobs: this.jobs,
      schemaVersion: () => this.schemaVersion,
    });
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
            ? 'the file is not a usable SQLite database: move it aside and restart the coordinator (a fresh catalog; agents re-send their copies when they connect), then run `redback catalog rebuild` for the offsite sets'
            : 'check the coordinator\'s catalog path and its permissions',
        cause: err,
        details: { path: fullPath, sqliteCode: code },
      });
    }
  }

  close(): void {
    if (this.c.db.open) this.c.db.close();
  }

  get schemaVersion(): number {
    return schemaVersion(this.c.db);
  }

  /** Runs `fn` in one transaction (nested calls become savepoints): many writes, one commit. */
  inTransaction<T>(fn: () => T): T {
    return this.c.db.transaction(fn)();
  }

  // ---- agents & instances (FleetRecords) ----
  upsertAgent(hello: AgentHelloInput): AgentRecord { return this.fleet.upsertAgent(hello); }
  /**
   * Removes a decommissioned agent: the agent, its instances, and its local copies (backups also held
   * offsite stay). Job history is kept. Null for an unknown agent; `dryRun` only counts.
   */
  forgetAgent(agentId: string, dryRun = false): { instances: number; backups: number } | null {
    return this.inTransaction(() => {
      const instances = this.fleet.deleteAgent(agentId, dryRun);
      if (instances === null) return null;
      return { instances, backups: this.backups.forgetLocalCopies(agentId, dryRun) };
    });
  }
  markDisconnected(agentId: string): boolean { return this.fleet.markDisconnected(agentId); }
  markAllDisconnected(): number { return this.fleet.markAllDisconnected(); }
  touchAgent(agentId: string, at?: Date): boolean { return this.fleet.touchAgent(agentId, at); }
  recordHeartbeats(batch: HeartbeatInput[]): HeartbeatBatchResult { return this.fleet.recordHeartbeats(batch); }
  listAgents(): AgentRecord[] { return this.fleet.listAgents(); }
  getAgent(agentId: string): AgentRecord | null { return this.fleet.getAgent(agentId); }
  listInstanceKeys(): Array<{ agentId: string; name: string }> { return this.fleet.listInstanceKeys(); }
  listInstances(options?: ListInstancesOptions): InstanceRecord[] { return this.fleet.listInstances(options); }
  getInstance(agentId: string, name: string): InstanceRecord | null { return this.fleet.getInstance(agentId, name); }
  findInstances(name: string): InstanceRecord[] { return this.fleet.findInstances(name); }

  // ---- backups (BackupIndex) ----
  applyInventory(agentId: string, copies: CopyInput[]): InventoryResult { return this.backups.applyInventory(agentId, copies); }
  recordCopyCreated(agentId: string, manifest: CopyManifest, path: string): CopyChange { return this.backups.recordCopyCreated(agentId, manifest, path); }
  recordCopyDeleted(agentId: string, instance: string, id: string): boolean { return this.backups.recordCopyDeleted(agentId, instance, id); }
  listBackups(options?: ListBackupsOptions): BackupRecord[] { return this.backups.listBackups(options); }
  getBackup(agentId: string, instance: string, id: string): BackupRecord | null { return this.backups.getBackup(agentId, instance, id); }
  newestBackup(agentId: string, instance: string, options?: NewestBackupOptions): BackupRecord | null { return this.backups.newestBackup(agentId, instance, options); }

  // ---- offsite sets (OffsiteSets) ----
  insertOffsiteSet(set: OffsiteSetInput): void { this.offsite.insertOffsiteSet(set); }
  listOffsiteSets(options?: { agentId?: string; instance?: string; limit?: number }): OffsiteSetRecord[] { return this.offsite.listOffsiteSets(options); }

  // ---- jobs (JobRecords) ----
  insertJobRecords(records: readonly JobRecord[]): void { this.jobs.insertJobRecords(records); }
  createJob(input: CreateJobInput): JobRecord { return this.jobs.createJob(input); }
  updateJob(jobId: string, patch: JobPatch): JobUpdateResult { return this.jobs.updateJob(jobId, patch); }
  getJob(jobId: string): JobRecord | null { return this.jobs.getJob(jobId); }
  listJobs(options?: ListJobsOptions): JobRecord[] { return this.jobs.listJobs(options); }
  addJobEvent(jobId: string, kind: string, message: string, data?: unknown): JobEventRecord { return this.jobs.addJobEvent(jobId, kind, message, data); }
  listJobEvents(jobId: string, options?: { afterId?: number }): JobEventRecord[] { return this.jobs.listJobEvents(jobId, options); }
  openJobsForAgent(agentId: string): JobRecord[] { return this.jobs.openJobsForAgent(agentId); }
  expireJobs(now?: Date): JobRecord[] { return this.jobs.expireJobs(now); }
  failedJobsSince(since: Date): JobRecord[] { return this.jobs.failedJobsSince(since); }

  // ---- maintenance (CatalogMaintenance) ----
  catalogStats(): CatalogStats { return this.maintenance.catalogStats(); }
  rebuildFrom(sources: RebuildSources): RebuildResult { return this.maintenance.rebuildFrom(sources); }
  explainQueryPlans(): QueryPlan[] { return this.maintenance.explainQueryPlans(); }
}
