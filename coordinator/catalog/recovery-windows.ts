import type Database from 'better-sqlite3';
import { isoOf, recoveryWindow, type RecoveryWindow, type TimeSpan } from '../../shared/offsite/recovery-window.js';
import { parseJson, type CatalogDb } from './catalog-db.js';

function jsonOr<T>(text: string | null, fallback: T): T {
  const v = parseJson(text);
  return v === null || typeof v === 'string' ? fallback : (v as T);
}

/** The stored recovery window of one instance (issue 10 item 3). */
export interface StoredWindow {
  agentId: string;
  instance: string;
  /** Oldest / newest restorable time (ISO); null when nothing is restorable. */
  from: string | null;
  to: string | null;
  /** The archive's spans (unix seconds, inclusive): any second inside restores exactly. */
  spans: TimeSpan[];
  gaps: TimeSpan[];
  /** Complete nightly offsite sets, and the oldest and newest snapshot times. */
  setCount: number;
  oldestSet: string | null;
  newestSet: string | null;
  updatedAt: string;
}

interface Row {
  agent_id: string;
  instance: string;
  from_at: number | null;
  to_at: number | null;
  spans_json: string;
  gaps_json: string;
  sets: number;
  oldest_set: number | null;
  newest_set: number | null;
  updated_at: number;
}

/**
 * Per instance, from which time to which time a restore can reach: the archive's spans (to the
 * second; reported by the agent's archiver in its heartbeats) and the complete nightly offsite
 * sets in the catalog. Recomputed on every heartbeat (shared/offsite/recovery-window.ts), written
 * only when it changed.
 */
export class RecoveryWindows {
  private readonly s: ReturnType<typeof prepare>;
  /** Last window written per instance (JSON), so an unchanged heartbeat writes nothing. */
  private readonly written = new Map<string, string>();

  constructor(private readonly c: CatalogDb) {
    this.s = prepare(c.db);
  }

  /** Computes the window from the archive's spans and the instance's complete offsite sets; stores it when it changed. */
  update(agentId: string, instance: string, archiveSpans: readonly TimeSpan[] | null): RecoveryWindow {
    const sets = (this.s.setTimes.all({ agentId, instance }) as Array<{ created_at: number; manifest_json: string }>).map((r) => {
      const m = jsonOr<{ snapshotAt?: string | null }>(r.manifest_json, {});
      return m.snapshotAt ?? new Date(r.created_at).toISOString();
    });
    let spans: readonly TimeSpan[] | null = archiveSpans;
    if (spans === null) {
      // No archive report (agent without an archiver this heartbeat): keep the spans last stored.
      const row = this.s.get.get({ agentId, instance }) as Row | undefined;
      spans = row ? jsonOr<TimeSpan[]>(row.spans_json, []) : [];
    }
    const window = recoveryWindow(spans ?? [], sets);
    const json = JSON.stringify(window);
    const key = `${agentId}/${instance}`;
    if (this.written.get(key) !== json) {
      const ms = (iso: string | null | undefined) => (iso ? new Date(iso).getTime() : null);
      this.s.upsert.run({
        agentId,
        instance,
        fromAt: ms(window.from),
        toAt: ms(window.to),
        spansJson: JSON.stringify(window.spans),
        gapsJson: JSON.stringify(window.gaps),
        sets: window.sets.length,
        oldestSet: ms(window.sets[0]),
        newestSet: ms(window.sets.at(-1)),
        updatedAt: this.c.now(),
      });
      this.written.set(key, json);
    }
    return window;
  }

  get(agentId: string, instance: string): StoredWindow | null {
    const row = this.s.get.get({ agentId, instance }) as Row | undefined;
    return row ? viewOf(row) : null;
  }

  all(): StoredWindow[] {
    return (this.s.all.all() as Row[]).map(viewOf);
  }
}

function viewOf(r: Row): StoredWindow {
  const iso = (ms: number | null) => (ms === null ? null : isoOf(Math.floor(ms / 1000)));
  return {
    agentId: r.agent_id,
    instance: r.instance,
    from: iso(r.from_at),
    to: iso(r.to_at),
    spans: jsonOr<TimeSpan[]>(r.spans_json, []),
    gaps: jsonOr<TimeSpan[]>(r.gaps_json, []),
    setCount: r.sets,
    oldestSet: iso(r.oldest_set),
    newestSet: iso(r.newest_set),
    updatedAt: new Date(r.updated_at).toISOString(),
  };
}

function prepare(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    setTimes: p(`SELECT created_at, manifest_json FROM offsite_sets WHERE agent_id = @agentId AND instance = @instance AND state = 'complete'`),
    upsert: p(`INSERT INTO recovery_windows (agent_id, instance, from_at, to_at, spans_json, gaps_json, sets, oldest_set, newest_set, updated_at)
      VALUES (@agentId, @instance, @fromAt, @toAt, @spansJson, @gapsJson, @sets, @oldestSet, @newestSet, @updatedAt)
      ON CONFLICT (agent_id, instance) DO UPDATE SET from_at = excluded.from_at, to_at = excluded.to_at, spans_json = excluded.spans_json,
        gaps_json = excluded.gaps_json, sets = excluded.sets, oldest_set = excluded.oldest_set, newest_set = excluded.newest_set,
        updated_at = excluded.updated_at`),
    get: p(`SELECT * FROM recovery_windows WHERE agent_id = @agentId AND instance = @instance`),
    all: p(`SELECT * FROM recovery_windows ORDER BY agent_id, instance`),
  };
}
