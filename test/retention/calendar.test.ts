import { describe, expect, it } from 'vitest';
import { addDays, dayKey, daysBetween, hourKey, isValidTimeZone, localTime } from '../../agent/retention/calendar.js';
import { HOUR } from '../../shared/time/clock.js';

const at = (iso: string) => new Date(iso);

/** Every UTC hour from `start` (inclusive) to `end` (exclusive). */
function hoursBetween(start: string, end: string): Date[] {
  const out: Date[] = [];
  for (let t = Date.parse(start); t < Date.parse(end); t += HOUR) out.push(new Date(t));
  return out;
}

describe('hourKey', () => {
  it('gives the local hour and the offset in force', () => {
    expect(hourKey(at('2026-01-01T23:00:00Z'), 'UTC')).toBe('2026-01-01T23+00:00');
    expect(hourKey(at('2026-01-01T23:00:00Z'), 'Europe/Berlin')).toBe('2026-01-02T00+01:00');
    expect(hourKey(at('2026-07-01T23:00:00Z'), 'Europe/Berlin')).toBe('2026-07-02T01+02:00');
    expect(hourKey(at('2026-01-01T23:00:00Z'), 'America/New_York')).toBe('2026-01-01T18-05:00');
  });

  it('keeps the whole hour in one bucket, down to the last millisecond', () => {
    expect(hourKey(at('2026-05-10T12:00:00.000Z'), 'UTC')).toBe('2026-05-10T12+00:00');
    expect(hourKey(at('2026-05-10T12:59:59.999Z'), 'UTC')).toBe('2026-05-10T12+00:00');
    expect(hourKey(at('2026-05-10T13:00:00.000Z'), 'UTC')).toBe('2026-05-10T13+00:00');
  });

  it('handles half- and quarter-hour offsets', () => {
    expect(hourKey(at('2026-01-01T00:29:59Z'), 'Asia/Kolkata')).toBe('2026-01-01T05+05:30');
    expect(hourKey(at('2026-01-01T00:30:00Z'), 'Asia/Kolkata')).toBe('2026-01-01T06+05:30');
    expect(hourKey(at('2026-01-01T00:00:00Z'), 'Asia/Kathmandu')).toBe('2026-01-01T05+05:45');
    expect(hourKey(at('2026-01-01T12:00:00Z'), 'America/St_Johns')).toBe('2026-01-01T08-03:30');
  });

  it('Europe/Berlin fall-back (2026-10-25): the repeated 02:00 hour gives two buckets', () => {
    expect(hourKey(at('2026-10-25T00:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25T02+02:00');
    expect(hourKey(at('2026-10-25T01:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25T02+01:00');
    const hours = hoursBetween('2026-10-24T12:00:00Z', '2026-10-25T12:00:00Z');
    const keys = hours.map((d) => hourKey(d, 'Europe/Berlin'));
    expect(new Set(keys).size).toBe(24);
    expect(keys.filter((k) => k.startsWith('2026-10-25T02'))).toEqual(['2026-10-25T02+02:00', '2026-10-25T02+01:00']);
  });

  it('Europe/Berlin spring-forward (2026-03-29): 02:00 does not exist, no bucket is shared', () => {
    expect(hourKey(at('2026-03-29T00:59:59Z'), 'Europe/Berlin')).toBe('2026-03-29T01+01:00');
    expect(hourKey(at('2026-03-29T01:00:00Z'), 'Europe/Berlin')).toBe('2026-03-29T03+02:00');
    const keys = hoursBetween('2026-03-28T12:00:00Z', '2026-03-29T12:00:00Z').map((d) => hourKey(d, 'Europe/Berlin'));
    expect(new Set(keys).size).toBe(24);
    expect(keys.some((k) => k.startsWith('2026-03-29T02'))).toBe(false);
  });

  it('America/New_York fall-back (2026-11-01): 01:00 EDT and 01:00 EST are different buckets', () => {
    expect(hourKey(at('2026-11-01T05:30:00Z'), 'America/New_York')).toBe('2026-11-01T01-04:00');
    expect(hourKey(at('2026-11-01T06:30:00Z'), 'America/New_York')).toBe('2026-11-01T01-05:00');
    expect(hourKey(at('2026-03-08T06:59:59Z'), 'America/New_York')).toBe('2026-03-08T01-05:00');
    expect(hourKey(at('2026-03-08T07:00:00Z'), 'America/New_York')).toBe('2026-03-08T03-04:00');
  });
});

describe('dayKey', () => {
  it('a copy at 23:30 UTC belongs to different days in different zones', () => {
    const d = at('2026-03-01T23:30:00Z');
    expect(dayKey(d, 'UTC')).toBe('2026-03-01');
    expect(dayKey(d, 'Europe/Berlin')).toBe('2026-03-02');
    expect(dayKey(d, 'America/New_York')).toBe('2026-03-01');
    expect(dayKey(d, 'Asia/Tokyo')).toBe('2026-03-02');
    expect(dayKey(at('2026-03-02T04:30:00Z'), 'America/New_York')).toBe('2026-03-01');
  });

  it('local midnight starts the day', () => {
    expect(dayKey(at('2026-01-01T22:59:59.999Z'), 'Europe/Berlin')).toBe('2026-01-01');
    expect(dayKey(at('2026-01-01T23:00:00Z'), 'Europe/Berlin')).toBe('2026-01-02');
  });

  it('DST days have 23 and 25 hours but are one day each', () => {
    const count = (zone: string, key: string, from: string, to: string) =>
      hoursBetween(from, to).filter((d) => dayKey(d, zone) === key).length;
    expect(count('Europe/Berlin', '2026-03-29', '2026-03-27T00:00:00Z', '2026-03-31T00:00:00Z')).toBe(23);
    expect(count('Europe/Berlin', '2026-10-25', '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z')).toBe(25);
    expect(count('America/New_York', '2026-03-08', '2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z')).toBe(23);
    expect(count('America/New_York', '2026-11-01', '2026-10-30T00:00:00Z', '2026-11-03T00:00:00Z')).toBe(25);
    expect(count('UTC', '2026-10-25', '2026-10-23T00:00:00Z', '2026-10-27T00:00:00Z')).toBe(24);
  });

  it('pads years and rejects invalid dates', () => {
    expect(dayKey(new Date(Date.UTC(999, 0, 5)), 'UTC')).toBe('0999-01-05');
    expect(() => dayKey(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('localTime', () => {
  it('reports the offset even for instants with milliseconds', () => {
    expect(localTime(at('2026-07-01T10:20:30.750Z'), 'Europe/Berlin')).toEqual({
      year: 2026, month: 7, day: 1, hour: 12, minute: 20, second: 30, offsetMinutes: 120,
    });
    expect(localTime(at('2026-01-01T00:00:00.999Z'), 'America/New_York').offsetMinutes).toBe(-300);
  });
});

describe('isValidTimeZone', () => {
  it('accepts IANA names and rejects the rest', () => {
    for (const tz of ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata']) expect(isValidTimeZone(tz)).toBe(true);
    for (const tz of ['', 'Mars/Olympus', 'Europe/Berlinn', 'UTC+25']) expect(isValidTimeZone(tz)).toBe(false);
  });

  it('bucket functions throw for an unknown zone', () => {
    expect(() => hourKey(new Date(), 'Mars/Olympus')).toThrow(RangeError);
    expect(() => dayKey(new Date(), 'Mars/Olympus')).toThrow(RangeError);
  });
});

describe('daysBetween / addDays', () => {
  it('counts calendar days, not 24-hour periods', () => {
    expect(daysBetween('2026-10-24', '2026-10-26')).toBe(2);
    expect(daysBetween('2026-03-28', '2026-03-30')).toBe(2);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(daysBetween('2026-02-28', '2026-03-01')).toBe(1);
    expect(daysBetween('2025-12-31', '2026-01-01')).toBe(1);
    expect(daysBetween('2026-05-10', '2026-05-10')).toBe(0);
    expect(daysBetween('2026-05-10', '2026-04-10')).toBe(-30);
  });

  it('addDays is the inverse of daysBetween', () => {
    expect(addDays('2026-10-24', 2)).toBe('2026-10-26');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-05-10', -29)).toBe('2026-04-11');
    for (let n = -400; n <= 400; n += 37) expect(daysBetween('2026-03-29', addDays('2026-03-29', n))).toBe(n);
  });

  it('rejects malformed keys', () => {
    expect(() => daysBetween('2026-5-1', '2026-05-01')).toThrow(/invalid day key/);
  });
});
