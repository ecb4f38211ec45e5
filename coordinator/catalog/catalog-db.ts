import type Database from 'better-sqlite3';
import type { Clock } from '../../shared/time/clock.js';

/**
 * What every part of the catalog shares: the open database, the clock, and the cache of statements
 * whose WHERE depends on which filters are given (prepared once per variant).
 */
export class CatalogDb {
  private readonly variants = new Map<string, Database.Statement>();

  constructor(
    readonly db: Database.Database,
    readonly clock: Clock,
  ) {}

  now(): number {
    return this.clock.now().getTime();
  }

  variant(key: string, sql: string): Database.Statement {
    let stmt = this.variants.get(key);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.variants.set(key, stmt);
    }
    return stmt;
  }

  /** Every variant prepared so far (for EXPLAIN QUERY PLAN). */
  preparedVariants(): Array<[string, Database.Statement]> {
    return [...this.variants];
  }
}

// ---- SQL shared by several parts -----------------------------------------------------------------

/** `1` when the backup (aliased `b`) has at least one present location (PK prefix of backup_locations). */
export const PRESENT_EXISTS = `EXISTS (SELECT 1 FROM backup_locations l
  WHERE l.agent_id = b.agent_id AND l.instance = b.instance AND l.backup_id = b.id AND l.state = 'present')`;

// ---- helpers -----------------------------------------------------------------------------------

export const ms = (d: Date): number => d.getTime();
export const msOrNull = (d: Date | null | undefined): number | null => (d == null ? null : d.getTime());
export const toDate = (v: number): Date => new Date(v);
export const toDateOrNull = (v: number | null): Date | null => (v == null ? null : new Date(v));
export const boolInt = (v: boolean | null | undefined): number | null => (v == null ? null : v ? 1 : 0);
export const intBool = (v: number | null): boolean | null => (v == null ? null : v !== 0);
export const emptyToNull = (v: string | null | undefined): string | null => (v == null || v === '' ? null : v);

export function parseJson(text: string | null): unknown {
  if (text == null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function isConstraint(err: unknown, code: string): boolean {
  return (err as { code?: string } | null)?.code === code;
}
