import { describe, expect, it } from 'vitest';
import { dayKey, localTime } from '../../agent/retention/calendar.js';
import {
  DEFAULT_RETENTION,
  planRetention,
  type RetentionCopy,
  type RetentionDecision,
  type RetentionPolicy,
} from '../../agent/retention/plan.js';
import type { Tier } from '../../shared/manifest/copy-manifest.js';
import { DAY, HOUR, MINUTE, ManualClock, SECOND, formatDuration } from '../../shared/time/clock.js';

function copy(id: string, tier: Tier, createdAt: Date | string | number, extra: Partial<RetentionCopy> = {}): RetentionCopy {
  return { id, tier, createdAt: new Date(createdAt), valid: true, pinned: false, ...extra };
}

const policy = (overrides: Partial<RetentionPolicy> = {}): RetentionPolicy => ({ ...DEFAULT_RETENTION, ...overrides });

const byId = (decisions: RetentionDecision[]) => new Map(decisions.map((d) => [d.id, d]));
const keptIds = (decisions: RetentionDecision[]) => decisions.filter((d) => d.action === 'keep').map((d) => d.id);
const deletedIds = (decisions: RetentionDecision[]) => decisions.filter((d) => d.action === 'delete').map((d) => d.id);

/** `count` hourly copies on the hour, the newest at `newest`, ids h0 (newest) … h<count-1>. */
function hourlySeries(newest: string, count: number, tier: Tier = 'hourly'): RetentionCopy[] {
  const t = Date.parse(newest);
  return Array.from({ length: count }, (_, i) => copy(`h${i}`, tier, t - i * HOUR));
}

describe('DEFAULT_RETENTION', () => {
  it('is 48h hourly, 30d daily, manual forever, UTC', () => {
    expect(DEFAULT_RETENTION).toEqual({
      hourly: { keepMs: 48 * HOUR },
      daily: { keepMs: 30 * DAY },
      manual: { keepMs: null },
      timeZone: 'UTC',
    });
  });
});

describe('planRetention basics', () => {
  it('empty input gives an empty plan', () => {
    expect(planRetention([], DEFAULT_RETENTION, new Date('2026-05-10T12:00:00Z'))).toEqual([]);
  });

  it('one decision per copy, sorted by tier (hourly, daily, manual) then newest first', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = [
      copy('m1', 'manual', '2026-05-01T00:00:00Z'),
      copy('d1', 'daily', '2026-05-09T00:10:00Z'),
      copy('h1', 'hourly', '2026-05-10T10:00:00Z'),
      copy('d2', 'daily', '2026-05-10T00:10:00Z'),
      copy('h2', 'hourly', '2026-05-10T11:00:00Z'),
      copy('hb', 'hourly', '2026-05-10T09:00:00Z'),
      copy('ha', 'hourly', '2026-05-10T09:00:00Z'),
    ];
    const plan = planRetention(copies, DEFAULT_RETENTION, now);
    expect(plan.map((d) => d.id)).toEqual(['h2', 'h1', 'hb', 'ha', 'd2', 'd1', 'm1']);
    // Equal times: the larger id counts as newer and keeps the bucket.
    expect(byId(plan).get('hb')!.action).toBe('keep');
    expect(byId(plan).get('ha')!.reason).toBe('superseded by hb in hour 2026-05-10T09+00:00');
    expect(byId(plan).get('m1')).toMatchObject({ action: 'keep', reason: 'manual copies are kept until deleted', bucket: null });
    expect(byId(plan).get('d1')!.bucket).toBe('2026-05-09');
    expect(byId(plan).get('h1')!.bucket).toBe('2026-05-10T10+00:00');
    expect(plan[0]!.createdAt).toEqual(new Date('2026-05-10T11:00:00Z'));
  });

  it('rejects an unknown time zone', () => {
    expect(() => planRetention([], policy({ timeZone: 'Mars/Olympus' }), new Date())).toThrow(/unknown time zone/);
  });

  it('tiers are independent: a newer daily copy does not cover an old hourly one', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const plan = planRetention(
      [copy('old-hourly', 'hourly', now.getTime() - 100 * HOUR), copy('daily', 'daily', now.getTime() - HOUR)],
      DEFAULT_RETENTION,
      now,
    );
    expect(byId(plan).get('old-hourly')).toMatchObject({ action: 'keep', reason: 'newest valid copy of the tier is always kept (age 4d4h)' });
  });
});

describe('hourly tier: the 48th hour', () => {
  const now = new Date('2026-05-10T12:00:05Z');

  it('72 hourly copies on the hour, run at 12:00:05: exactly 48 kept (ages 0h..47h)', () => {
    const copies = hourlySeries('2026-05-10T12:00:00Z', 72);
    const plan = planRetention(copies, DEFAULT_RETENTION, now);
    expect(keptIds(plan)).toEqual(copies.slice(0, 48).map((c) => c.id));
    expect(deletedIds(plan)).toEqual(copies.slice(48).map((c) => c.id));
    expect(byId(plan).get('h0')!.reason).toBe('newest copy in hour 2026-05-10T12+00:00 (age 5.0s)');
    expect(byId(plan).get('h47')!.reason).toBe(`newest copy in hour 2026-05-08T13+00:00 (age ${formatDuration(47 * HOUR + 5 * SECOND)})`);
    expect(byId(plan).get('h48')!.reason).toBe(`older than ${formatDuration(48 * HOUR)} (age ${formatDuration(48 * HOUR + 5 * SECOND)})`);
    expect(byId(plan).get('h71')!.reason).toBe(`older than 48h0m (age 71h0m)`);
  });

  it('a copy aged 47h59m59s is kept, one aged exactly 48h00m00s is deleted', () => {
    const clock = new ManualClock('2026-05-10T12:00:00Z');
    const copies = [
      copy('fresh', 'hourly', clock.now()),
      copy('edge-kept', 'hourly', clock.now().getTime() - (48 * HOUR - SECOND)),
      copy('edge-gone', 'hourly', clock.now().getTime() - 48 * HOUR),
    ];
    const plan = byId(planRetention(copies, DEFAULT_RETENTION, clock.now()));
    expect(plan.get('edge-kept')!.action).toBe('keep');
    expect(plan.get('edge-gone')).toMatchObject({ action: 'delete', reason: 'older than 48h0m (age 48h0m)' });
    // One second later the kept one reaches 48h and goes too.
    clock.advance(SECOND);
    expect(byId(planRetention(copies, DEFAULT_RETENTION, clock.now())).get('edge-kept')!.action).toBe('delete');
  });

  it('an agent taking a copy every hour and pruning after each one settles at exactly 48 copies', () => {
    const clock = new ManualClock('2026-05-01T00:00:00Z');
    let store: RetentionCopy[] = [];
    for (let i = 0; i < 120; i++) {
      store.push(copy(`c${String(i).padStart(3, '0')}`, 'hourly', clock.now()));
      clock.advance(5 * SECOND); // retention runs right after the copy
      const plan = planRetention(store, DEFAULT_RETENTION, clock.now());
      const kept = new Set(keptIds(plan));
      store = store.filter((c) => kept.has(c.id));
      expect(store).toHaveLength(Math.min(i + 1, 48));
      clock.advance(HOUR - 5 * SECOND);
    }
  });

  it('several copies in one hour bucket: the newest valid one is kept', () => {
    const now = new Date('2026-05-10T14:00:00Z');
    const copies = [
      copy('a', 'hourly', '2026-05-10T12:05:00Z'),
      copy('b', 'hourly', '2026-05-10T12:20:00Z'),
      copy('c', 'hourly', '2026-05-10T12:50:00Z'),
      copy('bad', 'hourly', '2026-05-10T12:55:00Z', { valid: false }),
      copy('next', 'hourly', '2026-05-10T13:10:00Z'),
    ];
    const plan = byId(planRetention(copies, DEFAULT_RETENTION, now));
    expect(plan.get('c')).toMatchObject({ action: 'keep', reason: 'newest copy in hour 2026-05-10T12+00:00 (age 1h10m)' });
    expect(plan.get('a')).toMatchObject({ action: 'delete', reason: 'superseded by c in hour 2026-05-10T12+00:00' });
    expect(plan.get('b')).toMatchObject({ action: 'delete', reason: 'superseded by c in hour 2026-05-10T12+00:00' });
    expect(plan.get('bad')).toMatchObject({ action: 'delete', reason: 'invalid copy (newer valid copy next exists)' });
    expect(plan.get('next')!.action).toBe('keep');
  });

  it('buckets follow the policy time zone (an hour in Kolkata starts at :30 UTC)', () => {
    const now = new Date('2026-05-10T14:00:00Z');
    const copies = [copy('x', 'hourly', '2026-05-10T12:20:00Z'), copy('y', 'hourly', '2026-05-10T12:40:00Z'), copy('z', 'hourly', now)];
    expect(keptIds(planRetention(copies, DEFAULT_RETENTION, now))).toEqual(['z', 'y']);
    expect(keptIds(planRetention(copies, policy({ timeZone: 'Asia/Kolkata' }), now))).toEqual(['z', 'y', 'x']);
  });

  it('keepMs null keeps every hour bucket but still removes duplicates', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = [...hourlySeries('2026-05-10T12:00:00Z', 200), copy('dup', 'hourly', '2026-05-02T12:30:00Z')];
    const plan = planRetention(copies, policy({ hourly: { keepMs: null } }), now);
    expect(keptIds(plan)).toHaveLength(200);
    expect(deletedIds(plan)).toEqual(['h192']);
  });
});

describe('safety: the newest valid copy and the pgBackRest rule', () => {
  it('the newest valid copy of a tier is kept whatever its age', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const plan = planRetention([copy('only', 'hourly', now.getTime() - 100 * HOUR)], DEFAULT_RETENTION, now);
    expect(plan[0]).toMatchObject({ action: 'keep', reason: 'newest valid copy of the tier is always kept (age 4d4h)' });
  });

  it('agent down for 3 days: the 72h-old newest hourly copy stays until a new copy covers it', () => {
    const clock = new ManualClock('2026-05-10T12:00:05Z');
    const copies = hourlySeries('2026-05-07T12:00:00Z', 48);
    let plan = planRetention(copies, DEFAULT_RETENTION, clock.now());
    expect(keptIds(plan)).toEqual(['h0']);
    expect(byId(plan).get('h0')!.reason).toBe('newest valid copy of the tier is always kept (age 3d0h)');
    expect(byId(plan).get('h1')!.reason).toBe('older than 48h0m (age 3d1h)');

    const fresh = copy('fresh', 'hourly', '2026-05-10T12:00:00Z');
    plan = planRetention([fresh, copies[0]!], DEFAULT_RETENTION, clock.now());
    expect(keptIds(plan)).toEqual(['fresh']);
    expect(byId(plan).get('h0')!.action).toBe('delete');
  });

  it('an expired copy is not deleted when the only newer copies are invalid', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const plan = byId(
      planRetention(
        [copy('good-old', 'hourly', now.getTime() - 60 * HOUR), copy('bad-new', 'hourly', now.getTime() - HOUR, { valid: false })],
        DEFAULT_RETENTION,
        now,
      ),
    );
    expect(plan.get('good-old')).toMatchObject({ action: 'keep', reason: 'newest valid copy of the tier is always kept (age 60h0m)' });
    expect(plan.get('bad-new')).toMatchObject({ action: 'keep', reason: 'invalid copy kept: no newer valid copy in the tier' });
  });

  it('manual copies with a retention expire by age, except the newest', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = [
      copy('m-oldest', 'manual', now.getTime() - 10 * DAY),
      copy('m-mid', 'manual', now.getTime() - 8 * DAY),
      copy('m-young', 'manual', now.getTime() - DAY),
    ];
    const plan = byId(planRetention(copies, policy({ manual: { keepMs: 7 * DAY } }), now));
    expect(plan.get('m-young')).toMatchObject({ action: 'keep', reason: 'younger than 7d0h (age 24h0m)' });
    expect(plan.get('m-mid')).toMatchObject({ action: 'delete', reason: 'older than 7d0h (age 8d0h)' });
    expect(plan.get('m-oldest')!.action).toBe('delete');
    const alone = planRetention([copies[0]!], policy({ manual: { keepMs: 7 * DAY } }), now);
    expect(alone[0]!.action).toBe('keep');
  });
});

describe('pinned copies', () => {
  it('are always kept: expired, duplicate in a bucket, or invalid', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = [
      copy('new', 'hourly', now),
      copy('pinned-old', 'hourly', now.getTime() - 30 * DAY, { pinned: true }),
      copy('pinned-dup', 'hourly', '2026-05-10T10:05:00Z', { pinned: true }),
      copy('keeper', 'hourly', '2026-05-10T10:45:00Z'),
      copy('pinned-bad', 'hourly', now.getTime() - 5 * HOUR, { pinned: true, valid: false }),
      copy('pinned-manual', 'manual', now.getTime() - 400 * DAY, { pinned: true }),
      copy('manual-new', 'manual', now),
    ];
    const plan = byId(planRetention(copies, policy({ manual: { keepMs: DAY } }), now));
    for (const id of ['pinned-old', 'pinned-dup', 'pinned-bad', 'pinned-manual']) {
      expect(plan.get(id)).toMatchObject({ action: 'keep', reason: 'pinned' });
    }
    expect(plan.get('keeper')!.action).toBe('keep');
  });

  it('a pinned copy can be the one its bucket keeps', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const plan = byId(
      planRetention(
        [copy('new', 'hourly', now), copy('early', 'hourly', '2026-05-10T10:05:00Z'), copy('pin', 'hourly', '2026-05-10T10:45:00Z', { pinned: true })],
        DEFAULT_RETENTION,
        now,
      ),
    );
    expect(plan.get('early')).toMatchObject({ action: 'delete', reason: 'superseded by pin in hour 2026-05-10T10+00:00' });
  });
});

describe('invalid copies', () => {
  const now = new Date('2026-05-10T12:00:00Z');

  it('are kept while no valid newer copy exists in the tier', () => {
    const plan = planRetention(
      [copy('bad1', 'hourly', now.getTime() - 3 * HOUR, { valid: false }), copy('bad2', 'hourly', now.getTime() - 90 * HOUR, { valid: false })],
      DEFAULT_RETENTION,
      now,
    );
    expect(plan.map((d) => d.action)).toEqual(['keep', 'keep']);
    expect(plan[1]!.reason).toBe('invalid copy kept: no newer valid copy in the tier');
  });

  it('are deleted when a newer valid copy exists, and never cover anything', () => {
    const plan = byId(
      planRetention(
        [
          copy('bad-newest', 'daily', '2026-05-10T00:05:00Z', { valid: false }),
          copy('good', 'daily', '2026-05-09T00:10:00Z'),
          copy('bad-old', 'daily', '2026-05-08T00:10:00Z', { valid: false }),
          copy('bad-first', 'daily', '2026-05-09T00:05:00Z', { valid: false }),
          copy('good-later', 'daily', '2026-05-08T12:00:00Z'),
        ],
        DEFAULT_RETENTION,
        now,
      ),
    );
    expect(plan.get('bad-newest')!.action).toBe('keep');
    expect(plan.get('bad-old')).toMatchObject({ action: 'delete', reason: 'invalid copy (newer valid copy good exists)' });
    // The invalid first copy of 05-09 does not stand in for the day: the first valid copy does.
    expect(plan.get('bad-first')!.action).toBe('delete');
    expect(plan.get('good')).toMatchObject({ action: 'keep', reason: 'first copy of day 2026-05-09 (age 35h50m)' });
    expect(plan.get('good-later')).toMatchObject({ action: 'keep', reason: 'first copy of day 2026-05-08 (age 48h0m)' });
  });
});

describe('daily tier: calendar days', () => {
  it('the 30th day is kept, the 31st deleted (today and the 29 days before)', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = Array.from({ length: 40 }, (_, i) => copy(`d${i}`, 'daily', Date.parse('2026-05-10T00:10:00Z') - i * DAY));
    const plan = planRetention(copies, DEFAULT_RETENTION, now);
    expect(keptIds(plan)).toEqual(copies.slice(0, 30).map((c) => c.id));
    expect(byId(plan).get('d29')).toMatchObject({ action: 'keep', bucket: '2026-04-11', reason: 'first copy of day 2026-04-11 (age 29d12h)' });
    expect(byId(plan).get('d30')).toMatchObject({
      action: 'delete',
      bucket: '2026-04-10',
      reason: 'day 2026-04-10 is not among the last 30 days (age 30d12h)',
    });
  });

  it('the window moves at local midnight, not 30×24h after the copy', () => {
    const copies = [copy('today', 'daily', '2026-05-10T00:10:00Z'), copy('edge', 'daily', '2026-04-11T23:59:00Z')];
    // At 23:59:59 on 05-10 the copy from 04-11 23:59 is 29d0h old and its day is the 30th: kept.
    expect(byId(planRetention(copies, DEFAULT_RETENTION, new Date('2026-05-10T23:59:59Z'))).get('edge')!.action).toBe('keep');
    // One second later it is only 29 days old, but its day is the 31st: deleted.
    expect(byId(planRetention(copies, DEFAULT_RETENTION, new Date('2026-05-11T00:00:00Z'))).get('edge')!.action).toBe('delete');
  });

  it('keeps the first copy of the day and deletes later ones', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = [
      copy('y-first', 'daily', '2026-05-09T00:10:00Z'),
      copy('y-noon', 'daily', '2026-05-09T12:00:00Z'),
      copy('y-late', 'daily', '2026-05-09T23:59:00Z'),
      copy('t-first', 'daily', '2026-05-10T00:10:00Z'),
      copy('t-later', 'daily', '2026-05-10T09:00:00Z'),
    ];
    const plan = byId(planRetention(copies, DEFAULT_RETENTION, now));
    expect(plan.get('y-first')).toMatchObject({ action: 'keep', reason: 'first copy of day 2026-05-09 (age 35h50m)' });
    expect(plan.get('y-noon')).toMatchObject({ action: 'delete', reason: 'day 2026-05-09 is kept by its first copy y-first' });
    expect(plan.get('y-late')).toMatchObject({ action: 'delete', reason: 'day 2026-05-09 is kept by its first copy y-first' });
    expect(plan.get('t-first')).toMatchObject({ action: 'keep', reason: 'first copy of day 2026-05-10 (age 11h50m)' });
    // Documented consequence of the safety rule: today's later copy is the newest of the tier, so it
    // stays until a newer daily copy exists; tomorrow it is an ordinary duplicate.
    expect(plan.get('t-later')).toMatchObject({ action: 'keep', reason: 'newest valid copy of the tier is always kept (age 3h0m)' });
    const tomorrow = [...copies, copy('n-first', 'daily', '2026-05-11T00:10:00Z')];
    expect(byId(planRetention(tomorrow, DEFAULT_RETENTION, new Date('2026-05-11T12:00:00Z'))).get('t-later')!.action).toBe('delete');
  });

  it('the policy time zone decides the day of a copy taken at 23:30 UTC', () => {
    const now = new Date('2026-03-05T12:00:00Z');
    const copies = [
      copy('late', 'daily', '2026-03-01T23:30:00Z'),
      copy('morning', 'daily', '2026-03-02T08:00:00Z'),
      copy('newer', 'daily', '2026-03-04T08:00:00Z'),
    ];
    const utc = byId(planRetention(copies, DEFAULT_RETENTION, now));
    expect(utc.get('late')).toMatchObject({ action: 'keep', bucket: '2026-03-01' });
    expect(utc.get('morning')).toMatchObject({ action: 'keep', bucket: '2026-03-02' });
    const berlin = byId(planRetention(copies, policy({ timeZone: 'Europe/Berlin' }), now));
    expect(berlin.get('late')).toMatchObject({ action: 'keep', bucket: '2026-03-02', reason: 'first copy of day 2026-03-02 (age 3d13h)' });
    expect(berlin.get('morning')).toMatchObject({ action: 'delete', bucket: '2026-03-02', reason: 'day 2026-03-02 is kept by its first copy late' });
  });

  it('keepMs is rounded up to whole days; null keeps every day', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = Array.from({ length: 5 }, (_, i) => copy(`d${i}`, 'daily', Date.parse('2026-05-10T00:10:00Z') - i * DAY));
    expect(keptIds(planRetention(copies, policy({ daily: { keepMs: 36 * HOUR } }), now))).toEqual(['d0', 'd1']);
    expect(keptIds(planRetention(copies, policy({ daily: { keepMs: null } }), now))).toHaveLength(5);
  });
});

describe('DST', () => {
  it('Europe/Berlin fall-back: hourly copies through 2026-10-25 keep both 02:00 buckets', () => {
    const now = new Date('2026-10-25T12:00:05Z');
    const copies = hourlySeries('2026-10-25T12:00:00Z', 72);
    const plan = planRetention(copies, policy({ timeZone: 'Europe/Berlin' }), now);
    const kept = plan.filter((d) => d.action === 'keep');
    expect(kept).toHaveLength(48);
    expect(new Set(kept.map((d) => d.bucket)).size).toBe(48);
    expect(kept.filter((d) => d.bucket!.startsWith('2026-10-25T02')).map((d) => d.bucket)).toEqual([
      '2026-10-25T02+01:00',
      '2026-10-25T02+02:00',
    ]);
  });

  it('Europe/Berlin fall-back: two copies in each 02:00 hour, one kept per bucket', () => {
    const now = new Date('2026-10-25T06:00:00Z');
    const copies = [
      copy('cest-10', 'hourly', '2026-10-25T00:10:00Z'), // 02:10 CEST
      copy('cest-40', 'hourly', '2026-10-25T00:40:00Z'), // 02:40 CEST
      copy('cet-10', 'hourly', '2026-10-25T01:10:00Z'), // 02:10 CET
      copy('cet-40', 'hourly', '2026-10-25T01:40:00Z'), // 02:40 CET
      copy('later', 'hourly', '2026-10-25T05:00:00Z'),
    ];
    const plan = byId(planRetention(copies, policy({ timeZone: 'Europe/Berlin' }), now));
    expect(plan.get('cest-40')).toMatchObject({ action: 'keep', bucket: '2026-10-25T02+02:00' });
    expect(plan.get('cet-40')).toMatchObject({ action: 'keep', bucket: '2026-10-25T02+01:00' });
    expect(plan.get('cest-10')).toMatchObject({ action: 'delete', reason: 'superseded by cest-40 in hour 2026-10-25T02+02:00' });
    expect(plan.get('cet-10')).toMatchObject({ action: 'delete', reason: 'superseded by cet-40 in hour 2026-10-25T02+01:00' });
  });

  it('Europe/Berlin spring-forward: still exactly 48 hourly copies kept, all in distinct buckets', () => {
    const now = new Date('2026-03-29T12:00:05Z');
    const plan = planRetention(hourlySeries('2026-03-29T12:00:00Z', 72), policy({ timeZone: 'Europe/Berlin' }), now);
    const kept = plan.filter((d) => d.action === 'keep');
    expect(kept).toHaveLength(48);
    expect(new Set(kept.map((d) => d.bucket)).size).toBe(48);
    expect(kept.some((d) => d.bucket!.startsWith('2026-03-29T02'))).toBe(false);
  });

  it('America/New_York fall-back 2026-11-01: the repeated 01:00 hour yields two kept buckets', () => {
    const now = new Date('2026-11-01T12:00:05Z');
    const plan = planRetention(hourlySeries('2026-11-01T12:00:00Z', 72), policy({ timeZone: 'America/New_York' }), now);
    const kept = plan.filter((d) => d.action === 'keep');
    expect(kept).toHaveLength(48);
    expect(kept.filter((d) => d.bucket!.startsWith('2026-11-01T01')).map((d) => d.bucket)).toEqual([
      '2026-11-01T01-05:00',
      '2026-11-01T01-04:00',
    ]);
  });

  for (const [zone, from, now, shortDay, longDay] of [
    ['Europe/Berlin', '2026-03-20T00:00:00Z', '2026-10-29T23:30:00Z', '2026-03-29', '2026-10-25'],
    ['America/New_York', '2026-03-01T00:00:00Z', '2026-11-05T05:30:00Z', '2026-03-08', '2026-11-01'],
  ] as const) {
    it(`${zone}: daily copies every hour across both DST changes keep exactly one per calendar day, its first`, () => {
      const copies: RetentionCopy[] = [];
      for (let t = Date.parse(from); t <= Date.parse(now); t += HOUR) copies.push(copy(`d${t}`, 'daily', t));
      const nowDate = new Date(now);
      // The newest copy must be the first of its day, so that the safety rule adds nothing.
      expect(localTime(copies.at(-1)!.createdAt, zone).hour).toBe(0);
      const plan = planRetention(copies, policy({ timeZone: zone, daily: { keepMs: null } }), nowDate);
      const kept = plan.filter((d) => d.action === 'keep');
      const days = new Set(copies.map((c) => dayKey(c.createdAt, zone)));
      expect(kept).toHaveLength(days.size);
      expect(new Set(kept.map((d) => d.bucket)).size).toBe(days.size);
      for (const d of kept) {
        if (d.bucket === dayKey(new Date(from), zone)) continue; // the partial first day
        expect(localTime(d.createdAt, zone)).toMatchObject({ hour: 0, minute: 0 });
      }
      const perDay = (key: string) => plan.filter((d) => d.bucket === key).length;
      expect(perDay(shortDay)).toBe(23);
      expect(perDay(longDay)).toBe(25);
    });
  }

  it('a 30-day window spanning the 25h day keeps its 30th day even though 30×24h have passed', () => {
    // Window on 2026-11-23 (Berlin): 10-25 … 11-23. The copy at 10-25 00:00 CEST is 30d0h59m old.
    const now = new Date('2026-11-23T22:59:00Z'); // 23:59 CET
    const copies = [
      copy('edge', 'daily', '2026-10-24T22:00:00Z'),
      copy('before', 'daily', '2026-10-24T21:59:00Z'), // 23:59 CEST on 10-24: the 31st day
      copy('newest', 'daily', '2026-11-23T00:00:00Z'),
    ];
    const plan = byId(planRetention(copies, policy({ timeZone: 'Europe/Berlin' }), now));
    expect(plan.get('edge')).toMatchObject({ action: 'keep', bucket: '2026-10-25' });
    expect(now.getTime() - copies[0]!.createdAt.getTime()).toBeGreaterThan(30 * DAY);
    expect(plan.get('before')).toMatchObject({ action: 'delete', bucket: '2026-10-24' });
  });

  it('a 30-day window spanning the 23h day drops its 31st day even though it is younger than 30×24h', () => {
    const now = new Date('2026-04-27T21:50:00Z'); // 23:50 CEST; window 03-29 … 04-27
    const copies = [
      copy('edge', 'daily', '2026-03-28T23:00:00Z'), // 00:00 CET on 03-29: kept
      copy('before', 'daily', '2026-03-28T22:59:00Z'), // 23:59 CET on 03-28: the 31st day
      copy('newest', 'daily', '2026-04-27T00:00:00Z'),
    ];
    const plan = byId(planRetention(copies, policy({ timeZone: 'Europe/Berlin' }), now));
    expect(plan.get('edge')).toMatchObject({ action: 'keep', bucket: '2026-03-29' });
    expect(plan.get('before')).toMatchObject({ action: 'delete', bucket: '2026-03-28' });
    expect(now.getTime() - copies[1]!.createdAt.getTime()).toBeLessThan(30 * DAY);
  });
});

describe('clock moved backwards', () => {
  const FUTURE = 'created in the future (the clock moved backwards?)';

  it('copies dated in the future are kept and do not cover older ones', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const copies = [
      copy('future', 'hourly', '2027-05-10T12:00:00Z'),
      copy('real-old', 'hourly', now.getTime() - 100 * HOUR),
      copy('bad', 'hourly', now.getTime() - 101 * HOUR, { valid: false }),
    ];
    const plan = byId(planRetention(copies, DEFAULT_RETENTION, now));
    expect(plan.get('future')).toMatchObject({ action: 'keep', reason: FUTURE });
    // The future copy is not "the newest valid copy": the newest real one is protected instead.
    expect(plan.get('real-old')).toMatchObject({ action: 'keep', reason: 'newest valid copy of the tier is always kept (age 4d4h)' });
    // And it does not make the invalid copy deletable either.
    expect(plan.get('bad')).toMatchObject({ action: 'delete', reason: 'invalid copy (newer valid copy real-old exists)' });
  });

  it('a copy one millisecond ahead of now counts as from the future', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const plan = planRetention([copy('x', 'manual', now.getTime() + 1)], policy({ manual: { keepMs: 0 } }), now);
    expect(plan[0]).toMatchObject({ action: 'keep', reason: FUTURE });
  });

  it('after a 1-day backward jump nothing kept before the jump is deleted because of it', () => {
    const zone = 'Europe/Berlin';
    const p = policy({ timeZone: zone });
    const T = Date.parse('2026-05-10T12:00:00Z');
    // Before the jump: 72 hourly copies up to T, 40 daily copies, retention run at T+5s.
    let store: RetentionCopy[] = [
      ...hourlySeries(new Date(T).toISOString(), 72),
      ...Array.from({ length: 40 }, (_, i) => copy(`d${i}`, 'daily', T - 12 * HOUR + 10 * MINUTE - i * DAY)),
    ];
    const prune = (now: number) => {
      const plan = planRetention(store, p, new Date(now));
      const kept = new Set(keptIds(plan));
      store = store.filter((c) => kept.has(c.id));
      return plan;
    };
    prune(T + 5 * SECOND);
    const keptBefore = store.map((c) => c.id);
    expect(store.filter((c) => c.tier === 'hourly')).toHaveLength(48);
    expect(store.filter((c) => c.tier === 'daily')).toHaveLength(30);

    // The clock jumps back one day. The agent keeps taking an hourly copy every hour (landing in
    // the same wall-clock hours as copies from before the jump) and prunes after each.
    const clock = new ManualClock(T - DAY);
    for (let i = 0; i < 24; i++) {
      store.push(copy(`post${i}`, 'hourly', clock.now()));
      clock.advance(5 * SECOND);
      const plan = prune(clock.now().getTime());
      expect(store.map((c) => c.id)).toEqual(expect.arrayContaining(keptBefore));
      if (i === 0) {
        expect(byId(plan).get('h0')).toMatchObject({ action: 'keep', reason: FUTURE });
        expect(byId(plan).get('h24')).toMatchObject({
          action: 'keep',
          reason: 'superseded by post0 in hour 2026-05-09T14+02:00, but kept: copies dated in the future (the clock moved backwards?)',
        });
      }
      clock.advance(HOUR - 5 * SECOND);
    }
    expect(clock.now().getTime()).toBe(T);

    // Once the clock has caught up, ordinary retention resumes: one copy per hour bucket, 48 in all.
    clock.advance(5 * SECOND);
    store.push(copy('caught-up', 'hourly', clock.now().getTime() - SECOND));
    prune(clock.now().getTime());
    const hourly = store.filter((c) => c.tier === 'hourly');
    expect(hourly).toHaveLength(48);
    expect(store.filter((c) => c.tier === 'daily')).toHaveLength(30);
  });
});

describe('missing creation time', () => {
  it('a copy with an invalid date is kept and covers nothing', () => {
    const now = new Date('2026-05-10T12:00:00Z');
    const plan = byId(
      planRetention([copy('nan', 'hourly', Number.NaN), copy('old', 'hourly', now.getTime() - 80 * HOUR)], DEFAULT_RETENTION, now),
    );
    expect(plan.get('nan')).toMatchObject({ action: 'keep', reason: 'creation time unknown', bucket: null });
    expect(plan.get('old')!.action).toBe('keep');
  });
});

describe('property: the plan depends only on the set of copies', () => {
  /** mulberry32: small seeded PRNG so failures are reproducible. */
  function rng(seed: number): () => number {
    let a = seed;
    return () => {
      a = (a + 0x6d2b79f5) | 0;
      let t = Math.imul(a ^ (a >>> 15), 1 | a);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  const zones = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'];
  const tiers: Tier[] = ['hourly', 'daily', 'manual'];

  it('is deterministic regardless of input order and keeps its safety invariants', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const random = rng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const now = Date.parse('2026-10-25T03:30:00Z') + Math.floor(random() * 10 * DAY);
      const p = policy({
        timeZone: pick(zones),
        manual: { keepMs: pick([null, 7 * DAY]) },
        hourly: { keepMs: pick([48 * HOUR, 6 * HOUR, null]) },
      });
      const n = Math.floor(random() * 80);
      const copies = Array.from({ length: n }, (_, i) =>
        copy(`c${i}`, pick(tiers), now - Math.floor((random() * 50 - 3) * DAY * pick([1, 0.1])), {
          valid: random() > 0.15,
          pinned: random() > 0.95,
        }),
      );
      // Some exact duplicates in time, to exercise the id tie-break.
      if (n > 3) copies.push(copy('tie', copies[0]!.tier, copies[0]!.createdAt));

      const plan = planRetention(copies, p, new Date(now));
      const shuffled = [...copies];
      for (let i = shuffled.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
      }
      expect(planRetention(shuffled, p, new Date(now)), `seed ${seed}`).toEqual(plan);
      expect(planRetention([...copies].reverse(), p, new Date(now)), `seed ${seed}`).toEqual(plan);

      expect(plan).toHaveLength(copies.length);
      expect(new Set(plan.map((d) => d.id))).toEqual(new Set(copies.map((c) => c.id)));
      const input = new Map(copies.map((c) => [c.id, c]));
      for (const tier of tiers) {
        const usable = copies.filter((c) => c.tier === tier && c.valid && c.createdAt.getTime() <= now);
        const newest = usable.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))[0];
        if (newest) expect(byId(plan).get(newest.id)!.action, `seed ${seed}`).toBe('keep');
      }
      for (const d of plan) {
        const c = input.get(d.id)!;
        if (c.pinned || c.createdAt.getTime() > now) expect(d.action, `seed ${seed}`).toBe('keep');
        if (d.action === 'delete') expect(d.reason.length).toBeGreaterThan(0);
      }
    }
  });
});
