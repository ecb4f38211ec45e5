import type Database from 'better-sqlite3';
import { type CatalogDb } from './catalog-db.js';
import { ref, type BackupIndex, type CopyInput, type CopyRef, type LocationKind, type PresenceState } from './backup-index.js';
import type { FleetRecords } from './fleet-records.js';
import { JOB_STATES, type JobRecords, type JobState } from './job-records.js';
import type { OffsiteSetInput, OffsiteSets } from './offsite-sets.js';

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

interface Parts {
  fleet: FleetRecords;
  backups: BackupIndex;
  offsite: OffsiteSets;
  jobs: JobRecords;
  schemaVersion: () => number;
}

/** Counts, rebuilding the backup index from its sources, and query plans. */
export class CatalogMaintenance {
  readonly s: ReturnType<typeof prepareMaintenanceStatements>;

  constructor(
    private readonly c: CatalogDb,
    private readonly parts: Parts,
  ) {
    this.s = prepareMaintenanceStatements(c.db);
  }

  catalogStats(): CatalogStats {
    const counts = this.s.stats.get() as Record<string, number>;
    const locations: CatalogStats['locations'] = {
      local: { present: 0, gone: 0 },
      offsite: { present: 0, gone: 0 },
    };
    for (const row of this.s.locationCounts.all() as Array<{ kind: LocationKind; state: PresenceState; n: number }>) {
      locations[row.kind][row.state] = row.n;
    }
    const jobs = Object.fromEntries(JOB_STATES.map((s) => [s, 0])) as Record<JobState, number>;
    for (const row of this.s.jobCounts.all() as Array<{ state: JobState; n: number }>) jobs[row.state] = row.n;
    return {
      schemaVersion: this.parts.schemaVersion(),
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
    const now = this.c.now();
    const result: RebuildResult = { backups: 0, locations: 0, offsiteSets: 0, rejected: [] };
    this.c.db.transaction(() => {
      this.c.db.exec('DELETE FROM backup_locations; DELETE FROM backups; DELETE FROM offsite_sets;');
      for (const agent of sources.agents) {
        for (const copy of agent.copies) {
          const change = this.parts.backups.indexCopy(agent.agentId, copy.manifest, 'local', copy.path, now);
          if (typeof change === 'object') {
            result.rejected.push({ agentId: agent.agentId, ref: ref(copy.manifest.instance, copy.manifest.id), reason: change.reason });
          }
        }
      }
      for (const set of sources.offsiteSets ?? []) this.parts.offsite.writeOffsiteSet(set, now);
      const counts = this.s.rebuildCounts.get() as { backups: number; locations: number; offsite_sets: number };
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
      const rows = this.c.db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`).all(params) as Array<{ detail: string }>;
      plans.push({ name, sql: stmt.source, plan: rows.map((r) => r.detail) });
    };
    // Build every variant the CLI and coordinator use, then explain each.
    this.parts.fleet.listInstances();
    this.parts.fleet.listInstances({ agentId: 'x', includeRemoved: true });
    this.parts.backups.listBackups();
    this.parts.backups.listBackups({ instance: 'x' });
    this.parts.backups.listBackups({ agentId: 'x' });
    this.parts.backups.listBackups({ agentId: 'x', instance: 'x' });
    this.parts.backups.listBackups({ instance: 'x', includeGone: true });
    this.parts.backups.listBackups({ limit: 10, after: { createdAt: 0, id: 'x', skip: 0 } });
    this.parts.jobs.listJobs();
    this.parts.jobs.listJobs({ instance: 'x' });
    this.parts.jobs.listJobs({ state: 'failed' });
    this.parts.jobs.listJobs({ agentId: 'x' });
    this.parts.offsite.listOffsiteSets();
    this.parts.offsite.listOffsiteSets({ agentId: 'x', instance: 'x' });
    const sample = { agentId: 'x', instance: 'x', id: 'x', name: 'x', jobId: 'x', limit: 10, state: 'failed', tier: 'hourly', before: 0, now: 0, since: 0, afterId: 0, backupId: 'x', skip: 0, afterCreatedAt: 0, afterBackupId: 'x' };
    for (const [key, stmt] of this.c.preparedVariants()) {
      explain(key, stmt, pick(sample, stmt.source));
    }
    const { fleet, backups, jobs } = this.parts;
    const named: Array<[string, Database.Statement]> = [
      ['listAgents', fleet.s.listAgents],
      ['getAgent', fleet.s.getAgent],
      ['findInstances', fleet.s.findInstances],
      ['getInstance', fleet.s.getInstance],
      ['getBackup', backups.s.getBackup],
      ['allLocations', backups.s.allLocations],
      ['presentLocations', backups.s.presentLocations],
      ['newestBackupAny', backups.s.newestBackupAny],
      ['newestBackupOfTier', backups.s.newestBackupOfTier],
      ['presentLocalLocations', backups.s.presentLocalLocations],
      ['markBackupLocalGone', backups.s.markBackupLocalGone],
      ['getJob', jobs.s.getJob],
      ['openJobsForAgent', jobs.s.openJobsForAgent],
      ['expiredJobs', jobs.s.expiredJobs],
      ['failedJobsSince', jobs.s.failedJobsSince],
      ['listJobEvents', jobs.s.listJobEvents],
    ];
    for (const [key, stmt] of named) explain(key, stmt, pick(sample, stmt.source));
    return plans;
  }
}

function prepareMaintenanceStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
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

/** The named parameters a statement uses, taken from `sample`. */
function pick(sample: Record<string, unknown>, sql: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const match of sql.matchAll(/@(\w+)/g)) out[match[1]!] = sample[match[1]!];
  return out;
}
