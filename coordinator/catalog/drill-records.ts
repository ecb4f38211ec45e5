import type Database from 'better-sqlite3';
import type { DrillPhases, DrillSourceKind } from '../../shared/drill/drill-result.js';
import { ms, parseJson, toDate, type CatalogDb } from './catalog-db.js';

/** One restore drill as the catalog keeps it (`drills` table, migration 4). */
export interface DrillRecord {
  jobId: string;
  agentId: string;
  instance: string;
  targetInstance: string | null;
  backupId: string | null;
  source: DrillSourceKind;
  startedAt: Date;
  finishedAt: Date;
  ok: boolean;
  /** Start of the drill to verified data served (null when it never got that far, e.g. a timeout). */
  rtoMs: number | null;
  phases: Partial<DrillPhases>;
  keysExpected: Record<string, number>;
  keysFound: Record<string, number>;
  error: string | null;
}

interface DrillRow {
  job_id: string;
  agent_id: string;
  instance: string;
  target_instance: string | null;
  backup_id: string | null;
  source: string;
  started_at: number;
  finished_at: number;
  ok: number;
  rto_ms: number | null;
  phases_json: string;
  keys_expected: string;
  keys_found: string;
  error: string | null;
}

const COLUMNS = 'job_id, agent_id, instance, target_instance, backup_id, source, started_at, finished_at, ok, rto_ms, phases_json, keys_expected, keys_found, error';

/** Restore drills: recorded when a drill job ends, read by `redback instances`, the metrics and the alert. */
export class DrillRecords {
  private readonly s: { insert: Database.Statement; latest: Database.Statement; lastSuccess: Database.Statement; list: Database.Statement };

  constructor(private readonly c: CatalogDb) {
    const db = c.db;
    this.s = {
      insert: db.prepare(`INSERT OR REPLACE INTO drills (${COLUMNS}) VALUES
        (@job_id, @agent_id, @instance, @target_instance, @backup_id, @source, @started_at, @finished_at, @ok, @rto_ms, @phases_json, @keys_expected, @keys_found, @error)`),
      // The newest row per instance (SQLite: the bare columns come from the row holding the MAX).
      latest: db.prepare(`SELECT ${COLUMNS}, MAX(finished_at) AS m FROM drills GROUP BY agent_id, instance`),
      lastSuccess: db.prepare(`SELECT ${COLUMNS}, MAX(finished_at) AS m FROM drills WHERE ok = 1 GROUP BY agent_id, instance`),
      list: db.prepare(`SELECT ${COLUMNS} FROM drills WHERE (@instance IS NULL OR instance = @instance) ORDER BY finished_at DESC LIMIT @limit`),
    };
  }

  record(d: DrillRecord): void {
    this.s.insert.run({
      job_id: d.jobId,
      agent_id: d.agentId,
      instance: d.instance,
      target_instance: d.targetInstance,
      backup_id: d.backupId,
      source: d.source,
      started_at: ms(d.startedAt),
      finished_at: ms(d.finishedAt),
      ok: d.ok ? 1 : 0,
      rto_ms: d.rtoMs === null ? null : Math.round(d.rtoMs),
      phases_json: JSON.stringify(d.phases),
      keys_expected: JSON.stringify(d.keysExpected),
      keys_found: JSON.stringify(d.keysFound),
      error: d.error,
    });
  }

  /** The newest drill of each instance, keyed `agent/instance`. */
  latest(): Map<string, DrillRecord> {
    return keyed((this.s.latest.all() as DrillRow[]).map(fromRow));
  }

  /** The newest successful drill of each instance, keyed `agent/instance`. */
  lastSuccess(): Map<string, DrillRecord> {
    return keyed((this.s.lastSuccess.all() as DrillRow[]).map(fromRow));
  }

  /** Drills newest first (optionally of one instance name). */
  list(options: { instance?: string; limit?: number } = {}): DrillRecord[] {
    return (this.s.list.all({ instance: options.instance ?? null, limit: options.limit ?? 100 }) as DrillRow[]).map(fromRow);
  }

  /** For tests and rebuilds: how many drills are recorded. */
  count(): number {
    return (this.c.db.prepare('SELECT COUNT(*) AS n FROM drills').get() as { n: number }).n;
  }
}

function keyed(records: DrillRecord[]): Map<string, DrillRecord> {
  return new Map(records.map((r) => [`${r.agentId}/${r.instance}`, r]));
}

function fromRow(r: DrillRow): DrillRecord {
  return {
    jobId: r.job_id,
    agentId: r.agent_id,
    instance: r.instance,
    targetInstance: r.target_instance,
    backupId: r.backup_id,
    source: r.source === 'offsite' ? 'offsite' : 'local',
    startedAt: toDate(r.started_at),
    finishedAt: toDate(r.finished_at),
    ok: r.ok === 1,
    rtoMs: r.rto_ms,
    phases: (parseJson(r.phases_json) ?? {}) as Partial<DrillPhases>,
    keysExpected: (parseJson(r.keys_expected) ?? {}) as Record<string, number>,
    keysFound: (parseJson(r.keys_found) ?? {}) as Record<string, number>,
    error: r.error,
  };
}
