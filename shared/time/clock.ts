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
