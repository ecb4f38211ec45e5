/** Where "now" comes from. Production uses the system clock; tests inject a fixed or moving one. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests: starts at `start` and moves only when told. */
export class ManualClock implements Clock {
  private current: number;

  constructor(start: Date | string | number) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  set(to: Date | string | number): void {
    this.current = new Date(to).getTime();
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Parses durations like `48h`, `30d`, `90m`, `45s`, `2w`, `1d12h`. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/g;
  const units: Record<string, number> = { ms: 1, s: SECOND, m: MINUTE, h: HOUR, d: DAY, w: 7 * DAY };
  let total = 0;
  let consumed = 0;
  for (const match of text.trim().matchAll(re)) {
    total += Number(match[1]) * units[match[2]!]!;
    consumed += match[0].length;
  }
  if (consumed === 0 || consumed !== text.trim().replace(/\s+/g, '').length) {
    throw new Error(`invalid duration "${text}" (use e.g. 48h, 30d, 90m)`);
  }
  return total;
}

export function formatDuration(ms: number): string {
  if (ms < SECOND) return `${Math.round(ms)}ms`;
  if (ms < MINUTE) return `${(ms / SECOND).toFixed(1)}s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m${Math.round((ms % MINUTE) / SECOND)}s`;
  if (ms < 3 * DAY) return `${Math.floor(ms / HOUR)}h${Math.floor((ms % HOUR) / MINUTE)}m`;
  return `${Math.floor(ms / DAY)}d${Math.round((ms % DAY) / HOUR)}h`;
}

/**
 * Parses an ISO 8601 instant: a date (`2026-11-24`, midnight UTC), or a date and time
 * (`2026-11-24T03:15`, `2026-11-24T03:15:00Z`, `...+01:00`, `20261124T031500Z`). A time without
 * an offset is UTC. Throws on anything else.
 */
export function parseInstant(text: string): Date {
  const t = text.trim();
  const m =
    /^(\d{4})-?(\d{2})-?(\d{2})(?:[T ](\d{2}):?(\d{2})(?::?(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(t);
  if (!m) throw new Error(`invalid time "${text}" (use ISO 8601, e.g. 2026-11-24T03:15:00Z)`);
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const z = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${z}`;
  const date = new Date(iso);
  // Date accepts 2026-02-31 (rolls over): reject by comparing the fields back.
  if (Number.isNaN(date.getTime()) || Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) {
    throw new Error(`invalid time "${text}" (use ISO 8601, e.g. 2026-11-24T03:15:00Z)`);
  }
  const probe = new Date(`${y}-${mo}-${d}T00:00:00Z`);
  if (probe.getUTCDate() !== Number(d)) throw new Error(`invalid time "${text}" (no such date)`);
  return date;
}
