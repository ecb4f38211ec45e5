/**
 * Calendar bucket keys in an IANA time zone, computed with `Intl.DateTimeFormat` (no extra
 * dependencies). Retention groups copies by these keys:
 *
 * - `hourKey` → `YYYY-MM-DDTHH±hh:mm`: the local hour plus the UTC offset in force, so the hour
 *   that repeats when DST ends (e.g. 02:00–02:59 twice in Europe/Berlin on 2026-10-25) gives two
 *   distinct buckets (`…T02+02:00` and `…T02+01:00`). The hour skipped when DST starts simply has
 *   no bucket.
 * - `dayKey` → `YYYY-MM-DD`: the local calendar date. Days are counted with `daysBetween`, which
 *   works on the dates themselves, so 23-hour and 25-hour DST days count as one day each.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

const formatters = new Map<string, Intl.DateTimeFormat>();

/** One formatter per zone (building them is comparatively slow). Throws RangeError for an unknown zone. */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** Minutes east of UTC in force at that instant (Europe/Berlin: 60 in winter, 120 in summer). */
  offsetMinutes: number;
}

/** The wall-clock time of `date` in `timeZone`. Throws RangeError for an invalid date or zone. */
export function localTime(date: Date, timeZone: string): LocalTime {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new RangeError('invalid date');
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(date)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const hour = parts.hour === 24 ? 0 : parts.hour!; // old ICU versions render midnight as 24
  const wallAsUtc = Date.UTC(parts.year!, parts.month! - 1, parts.day!, hour, parts.minute!, parts.second!);
  const wholeSecond = Math.floor(ms / 1000) * 1000;
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour,
    minute: parts.minute!,
    second: parts.second!,
    offsetMinutes: Math.round((wallAsUtc - wholeSecond) / 60_000),
  };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

function formatDate(t: Pick<LocalTime, 'year' | 'month' | 'day'>): string {
  return `${pad(t.year, 4)}-${pad(t.month)}-${pad(t.day)}`;
}

/** The local hour bucket, e.g. `2026-10-25T02+01:00`. */
export function hourKey(date: Date, timeZone: string): string {
  const t = localTime(date, timeZone);
  return `${formatDate(t)}T${pad(t.hour)}${formatOffset(t.offsetMinutes)}`;
}

/** The local calendar day, e.g. `2026-10-25`. */
export function dayKey(date: Date, timeZone: string): string {
  return formatDate(localTime(date, timeZone));
}

function parseDayKey(key: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(key);
  if (!match) throw new RangeError(`invalid day key "${key}" (expected YYYY-MM-DD)`);
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
}

/** Whole calendar days from day `from` to day `to` (both `YYYY-MM-DD`); negative if `to` is earlier. */
export function daysBetween(from: string, to: string): number {
  return Math.round((parseDayKey(to) - parseDayKey(from)) / DAY_MS);
}

/** The day key `days` calendar days after `key` (negative to go back). */
export function addDays(key: string, days: number): string {
  const d = new Date(parseDayKey(key) + days * DAY_MS);
  return formatDate({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() });
}
