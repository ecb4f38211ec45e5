import { describe, expect, it } from 'vitest';
import type { CoordinatorConfig } from '../../shared/config/coordinator-config.js';
import {
  DAILY_OFFSET_MINUTES,
  DEFAULT_FLEET_SCHEDULE,
  buildFleetSchedule,
  type FleetMember,
  type ResolvedSchedule,
} from '../../coordinator/scheduler/fleet-schedule.js';
import { DAY, HOUR } from '../../shared/time/clock.js';

type Settings = CoordinatorConfig['schedules'];

function settings(overrides: Partial<Settings> = {}): Settings {
  return { defaults: {}, instances: {}, maxForksPerMinute: 10, ...overrides };
}

/** `hosts` agents with `perHost` instances each. */
function fleet(hosts: number, perHost: number, prefix = 'host'): FleetMember[] {
  const out: FleetMember[] = [];
  for (let h = 0; h < hosts; h++) {
    for (let i = 0; i < perHost; i++) out.push({ agentId: `${prefix}-${String(h).padStart(4, '0')}`, instance: `redis-${i}` });
  }
  return out;
}

function minuteOf(cron: string | null): number {
  expect(cron).not.toBeNull();
  const fields = cron!.trim().split(/\s+/);
  expect(fields).toHaveLength(5);
  expect(fields[0]).toMatch(/^\d{1,2}$/);
  return Number(fields[0]);
}

function byKey(schedules: ResolvedSchedule[]): Map<string, ResolvedSchedule> {
  return new Map(schedules.map((s) => [`${s.agentId}/${s.instance}`, s]));
}

/** Deterministic shuffle (mulberry32), so a failure reproduces. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  let a = seed >>> 0;
  const rand = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('buildFleetSchedule: resolution', () => {
  it('uses the built-in defaults when nothing is configured', () => {
    expect(DEFAULT_FLEET_SCHEDULE).toMatchObject({
      hourly: '0 * * * *',
      daily: '5 0 * * *',
      timezone: 'UTC',
      retention: { hourly: 48 * HOUR, daily: 30 * DAY, manual: null },
    });
    const { schedules, warnings } = buildFleetSchedule([{ agentId: 'a', instance: 'cache' }], settings());
    expect(warnings).toEqual([]);
    const s = schedules[0]!;
    expect(s.timeZone).toBe('UTC');
    expect(s.retention).toEqual({ hourlyMs: 48 * HOUR, dailyMs: 30 * DAY, manualMs: null });
    expect(s.hourlyCron).toMatch(/^\d{1,2} \* \* \* \*$/);
    expect(s.staggered).toBe(true);
    expect(s.minute).toBe(minuteOf(s.hourlyCron));
  });

  it('applies defaults ← instance name ← agent/instance, field by field', () => {
    const cfg = settings({
      defaults: { timezone: 'Europe/Berlin', retention: { hourly: 24 * HOUR, manual: 7 * DAY } },
      instances: {
        cache: { hourly: '*/20 * * * *', retention: { daily: 10 * DAY } },
        'host-b/cache': { daily: null, retention: { manual: null } },
        sessions: { hourly: null, timezone: 'America/New_York' },
      },
    });
    const members = [
      { agentId: 'host-a', instance: 'cache' },
      { agentId: 'host-b', instance: 'cache' },
      { agentId: 'host-a', instance: 'sessions' },
      { agentId: 'host-a', instance: 'queue' },
    ];
    const s = byKey(buildFleetSchedule(members, cfg).schedules);

    const aCache = s.get('host-a/cache')!;
    expect(aCache.hourlyCron).toBe('*/20 * * * *'); // by name, not staggerable
    expect(aCache.timeZone).toBe('Europe/Berlin'); // from defaults
    expect(aCache.retention).toEqual({ hourlyMs: 24 * HOUR, dailyMs: 10 * DAY, manualMs: 7 * DAY });
    expect(aCache.dailyCron).toMatch(/^\d{1,2} 0 \* \* \*$/);

    const bCache = s.get('host-b/cache')!;
    expect(bCache.hourlyCron).toBe('*/20 * * * *'); // by name still applies
    expect(bCache.dailyCron).toBeNull(); // agent/instance turns the daily off
    expect(bCache.retention).toEqual({ hourlyMs: 24 * HOUR, dailyMs: 10 * DAY, manualMs: null });

    const sessions = s.get('host-a/sessions')!;
    expect(sessions.hourlyCron).toBeNull();
    expect(sessions.timeZone).toBe('America/New_York');
    expect(sessions.dailyCron).toMatch(/^\d{1,2} 0 \* \* \*$/); // the daily is its own fork now
    expect(sessions.minute).toBe(minuteOf(sessions.dailyCron));

    const queue = s.get('host-a/queue')!;
    expect(queue.retention).toEqual({ hourlyMs: 24 * HOUR, dailyMs: 30 * DAY, manualMs: 7 * DAY });
    expect(queue.hourlyCron).toMatch(/^\d{1,2} \* \* \* \*$/);
  });

  it('agent/instance overrides beat instance-name overrides', () => {
    const cfg = settings({
      instances: { cache: { hourly: '*/30 * * * *' }, 'h1/cache': { hourly: '15,45 * * * *' } },
    });
    const s = byKey(buildFleetSchedule([{ agentId: 'h1', instance: 'cache' }, { agentId: 'h2', instance: 'cache' }], cfg).schedules);
    expect(s.get('h1/cache')!.hourlyCron).toBe('15,45 * * * *');
    expect(s.get('h2/cache')!.hourlyCron).toBe('*/30 * * * *');
  });
});

describe('buildFleetSchedule: staggering', () => {
  it('never gives two instances of one host the same minute', () => {
    const members = fleet(30, 12);
    const { schedules, warnings } = buildFleetSchedule(members, settings({ maxForksPerMinute: 10 }));
    expect(warnings).toEqual([]);
    const perHost = new Map<string, Set<number>>();
    for (const s of schedules) {
      const minutes = perHost.get(s.agentId) ?? new Set<number>();
      const m = minuteOf(s.hourlyCron);
      expect(minutes.has(m)).toBe(false);
      minutes.add(m);
      perHost.set(s.agentId, minutes);
    }
    expect([...perHost.values()].every((m) => m.size === 12)).toBe(true);
  });

  it('spreads a host with 60 instances over all 60 minutes', () => {
    const { schedules, warnings } = buildFleetSchedule(fleet(1, 60), settings({ maxForksPerMinute: 1 }));
    expect(warnings).toEqual([]);
    expect(new Set(schedules.map((s) => minuteOf(s.hourlyCron))).size).toBe(60);
  });

  it('respects maxForksPerMinute on a 1000-member fleet with cap 20', () => {
    const members = fleet(250, 4);
    const { schedules, warnings } = buildFleetSchedule(members, settings({ maxForksPerMinute: 20 }));
    expect(warnings).toEqual([]);
    expect(schedules).toHaveLength(1000);
    const load = new Array<number>(60).fill(0);
    for (const s of schedules) load[minuteOf(s.hourlyCron)]! += 1;
    expect(Math.max(...load)).toBeLessThanOrEqual(20);
    expect(load.reduce((a, b) => a + b, 0)).toBe(1000);
    // and the daily (a hard link of the hourly copy) does not count as a fork
    for (const s of schedules) expect(minuteOf(s.dailyCron)).toBe((minuteOf(s.hourlyCron) + DAILY_OFFSET_MINUTES) % 60);
  });

  it('counts fixed-minute crons it cannot move toward the per-minute load', () => {
    // 10 members pinned (6-field crons, seconds first) to minute 0; cap 10 leaves no room there.
    const pinned: Record<string, Settings['defaults']> = {};
    const members = fleet(40, 1);
    for (const m of members.slice(0, 10)) pinned[`${m.agentId}/${m.instance}`] = { hourly: '0 0 * * * *' };
    const { schedules, warnings } = buildFleetSchedule(members, settings({ instances: pinned, maxForksPerMinute: 10 }));
    expect(warnings).toEqual([]);
    for (const s of schedules.slice(0, 10)) {
      expect(s.hourlyCron).toBe('0 0 * * * *');
      expect(s.minute).toBe(0);
    }
    for (const s of schedules.slice(10)) expect(minuteOf(s.hourlyCron)).not.toBe(0);
  });

  it('is deterministic: shuffled input gives the same schedules', () => {
    const members = fleet(60, 5);
    const cfg = settings({ maxForksPerMinute: 3 });
    const reference = buildFleetSchedule(members, cfg);
    for (const seed of [1, 2, 3]) {
      const again = buildFleetSchedule(shuffled(members, seed), cfg);
      expect(again).toEqual(reference);
    }
    // output order is canonical (sorted by agent/instance)
    const keys = reference.schedules.map((s) => `${s.agentId}/${s.instance}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('is stable: adding one member to a 200-member fleet moves at most a handful of others', () => {
    const members = fleet(50, 4);
    const cfg = settings({ maxForksPerMinute: 10 });
    const before = byKey(buildFleetSchedule(members, cfg).schedules);
    const additions: FleetMember[] = [
      { agentId: 'host-0007', instance: 'redis-new' }, // a busy existing host
      { agentId: 'host-9999', instance: 'redis-0' }, // a new host
      { agentId: 'aaa', instance: 'first' }, // sorts before everyone
      ...Array.from({ length: 20 }, (_, i) => ({ agentId: `host-${String(i * 2).padStart(4, '0')}`, instance: `extra-${i}` })),
    ];
    for (const extra of additions) {
      const after = byKey(buildFleetSchedule([...members, extra], cfg).schedules);
      expect(after.size).toBe(201);
      let moved = 0;
      for (const [key, s] of before) if (after.get(key)!.hourlyCron !== s.hourlyCron) moved++;
      expect(moved).toBeLessThanOrEqual(3);
    }
    // removing one moves few as well
    const removed = byKey(buildFleetSchedule(members.slice(1), cfg).schedules);
    let moved = 0;
    for (const [key, s] of removed) if (before.get(key)!.hourlyCron !== s.hourlyCron) moved++;
    expect(moved).toBeLessThanOrEqual(3);
  });

  it('keeps hour and day fields of staggerable crons and staggers every 5-field single-minute form', () => {
    const cfg = settings({
      instances: { a: { hourly: '0 */2 * * *', daily: '30 3 * * 1-5' }, b: { hourly: '7 * * * *' } },
    });
    const s = byKey(buildFleetSchedule([{ agentId: 'h', instance: 'a' }, { agentId: 'h', instance: 'b' }], cfg).schedules);
    expect(s.get('h/a')!.hourlyCron).toMatch(/^\d{1,2} \*\/2 \* \* \*$/);
    expect(s.get('h/a')!.dailyCron).toMatch(/^\d{1,2} (3|4) \* \* 1-5$/);
    expect(s.get('h/b')!.hourlyCron).toMatch(/^\d{1,2} \* \* \* \*$/);
    expect(s.get('h/a')!.staggered && s.get('h/b')!.staggered).toBe(true);
  });

  it('leaves ranges, lists, steps and 6-field crons exactly as written', () => {
    const crons = ['*/15 * * * *', '0,30 * * * *', '10-20 * * * *', '*/5 * * * * *', '0 0 * * * *', '*  *  * * *'];
    const instances: Record<string, Settings['defaults']> = {};
    crons.forEach((c, i) => (instances[`i${i}`] = { hourly: c, daily: c }));
    const members = crons.map((_, i) => ({ agentId: 'h', instance: `i${i}` }));
    const s = byKey(buildFleetSchedule(members, settings({ instances })).schedules);
    crons.forEach((c, i) => {
      const r = s.get(`h/i${i}`)!;
      expect(r.hourlyCron).toBe(c);
      expect(r.dailyCron).toBe(c);
      expect(r.staggered).toBe(false);
    });
    expect(s.get('h/i4')!.minute).toBe(0); // fixed minute of the 6-field cron
    expect(s.get('h/i0')!.minute).toBeNull();
  });

  it('runs the daily after the hourly, wrapping into the next hour (never past midnight)', () => {
    // Find members whose hourly lands at each minute, so the wrap cases are exercised for real.
    const members = fleet(1, 60);
    const cfg = settings({ maxForksPerMinute: 1, defaults: { daily: '5 0 * * *' } });
    const { schedules, warnings } = buildFleetSchedule(members, cfg);
    expect(warnings).toEqual([]);
    for (const s of schedules) {
      const m = minuteOf(s.hourlyCron);
      const [dm, dh] = s.dailyCron!.split(' ');
      if (m + DAILY_OFFSET_MINUTES < 60) {
        expect(s.dailyCron).toBe(`${m + DAILY_OFFSET_MINUTES} 0 * * *`);
      } else {
        expect(Number(dm)).toBe(m + DAILY_OFFSET_MINUTES - 60);
        expect(dh).toBe('1'); // 00:58 hourly → 01:00 daily
      }
    }
    // hour 23: the daily stays in the same day; '*' stays '*'; lists move each hour
    const other = buildFleetSchedule(members, settings({ maxForksPerMinute: 1, defaults: { daily: '5 23 * * *' } })).schedules;
    const wrapped = other.filter((s) => minuteOf(s.hourlyCron) + DAILY_OFFSET_MINUTES >= 60);
    expect(wrapped).toHaveLength(DAILY_OFFSET_MINUTES);
    for (const s of wrapped) expect(s.dailyCron).toBe(`${minuteOf(s.hourlyCron) + DAILY_OFFSET_MINUTES - 60} 23 * * *`);

    const lists = buildFleetSchedule(members, settings({ maxForksPerMinute: 1, defaults: { daily: '5 0,12 * * *' } })).schedules;
    for (const s of lists.filter((x) => minuteOf(x.hourlyCron) + DAILY_OFFSET_MINUTES >= 60)) {
      expect(s.dailyCron!.split(' ')[1]).toBe('1,13');
    }
    const everyHour = buildFleetSchedule(members, settings({ maxForksPerMinute: 1, defaults: { daily: '5 * * * *' } })).schedules;
    for (const s of everyHour) expect(s.dailyCron!.split(' ')[1]).toBe('*');
  });

  it('anchors the daily to a fixed hourly minute it did not choose', () => {
    const cfg = settings({ defaults: { hourly: '0 59 * * * *', daily: '5 6 * * *' } });
    const [s] = buildFleetSchedule([{ agentId: 'h', instance: 'x' }], cfg).schedules;
    expect(s!.hourlyCron).toBe('0 59 * * * *');
    expect(s!.dailyCron).toBe('1 7 * * *');
    expect(s!.staggered).toBe(true);
  });

  it('compares minutes across time zones with non-whole-hour offsets', () => {
    // cap 1: a Kolkata (+5:30) member and a UTC member must not fork at the same real minute.
    const cfg = settings({ maxForksPerMinute: 1, instances: { 'b/x': { timezone: 'Asia/Kolkata' } } });
    const members = Array.from({ length: 60 }, (_, i) => ({ agentId: i === 0 ? 'b' : `a${String(i).padStart(2, '0')}`, instance: 'x' }));
    const { schedules, warnings } = buildFleetSchedule(members, cfg);
    expect(warnings).toEqual([]);
    const utcMinutes = schedules.map((s) => (minuteOf(s.hourlyCron) - (s.timeZone === 'Asia/Kolkata' ? 30 : 0) + 60) % 60);
    expect(new Set(utcMinutes).size).toBe(60);
  });
});

describe('buildFleetSchedule: over capacity', () => {
  it('warns when one host has more than 60 instances, and still assigns every one', () => {
    const { schedules, warnings } = buildFleetSchedule(fleet(1, 65), settings({ maxForksPerMinute: 100 }));
    expect(schedules).toHaveLength(65);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/host-0000.*65 forks/);
    const load = new Array<number>(60).fill(0);
    for (const s of schedules) load[minuteOf(s.hourlyCron)]! += 1;
    expect(Math.max(...load)).toBe(2); // least loaded first: no minute gets a third
    expect(Math.min(...load)).toBe(1);
  });

  it('warns when the fleet exceeds 60 × maxForksPerMinute, spreading the excess evenly', () => {
    const { schedules, warnings } = buildFleetSchedule(fleet(130, 1), settings({ maxForksPerMinute: 2 }));
    expect(schedules).toHaveLength(130);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/130 forks per hour exceed .*120/);
    const load = new Array<number>(60).fill(0);
    for (const s of schedules) load[minuteOf(s.hourlyCron)]! += 1;
    expect(Math.max(...load)).toBe(3);
    expect(Math.min(...load)).toBe(2);
  });

  it('warns once per problem: two hosts over, and the fleet over', () => {
    const members = [...fleet(2, 61, 'big'), ...fleet(3, 1, 'small')];
    const { warnings } = buildFleetSchedule(members, settings({ maxForksPerMinute: 2 }));
    expect(warnings).toHaveLength(3);
    expect(warnings.filter((w) => w.startsWith('agent big-'))).toHaveLength(2);
    expect(warnings.filter((w) => w.startsWith('fleet:'))).toHaveLength(1);
  });

  it('warns when crons that cannot move collide on one host or crowd one minute', () => {
    const cfg = settings({ maxForksPerMinute: 1, defaults: { hourly: '0 0 * * * *' } });
    const { warnings } = buildFleetSchedule([{ agentId: 'h', instance: 'a' }, { agentId: 'h', instance: 'b' }], cfg);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/agent h: 2 forks in the same minute \(:00 UTC\): h\/a .*h\/b/);
    expect(warnings[1]).toMatch(/fleet: more than maxForksPerMinute \(1\).*:00 UTC \(2\)/);
  });
});
