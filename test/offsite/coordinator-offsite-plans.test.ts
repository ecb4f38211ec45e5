import { describe, expect, it } from 'vitest';
import { catchUpDue, nightlyDue, pickUploads, staggerOffsetMs, type DueUpload } from '../../coordinator/offsite/upload-plan.js';
import { isoWeek, planOffsiteRetention, type SetFacts } from '../../coordinator/offsite/retention-plan.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

describe('upload plan', () => {
  it('staggers instances stably and evenly inside the window', () => {
    const window = 2 * HOUR;
    const keys = Array.from({ length: 400 }, (_, i) => ({ agentId: `host-${i % 40}`, instance: `redis-${i}` }));
    const offsets = keys.map((k) => staggerOffsetMs(k, window));
    expect(offsets).toEqual(keys.map((k) => staggerOffsetMs(k, window)));
    expect(Math.min(...offsets)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...offsets)).toBeLessThan(window);
    // Each quarter of the window gets a fair share (no pile-up at the fire time).
    const quarters = [0, 0, 0, 0];
    for (const o of offsets) quarters[Math.floor((o / window) * 4)]!++;
    for (const q of quarters) expect(q).toBeGreaterThan(60);
    expect(staggerOffsetMs(keys[0]!, 0)).toBe(0);
  });

  it('nightly due times are the fire time plus the offset', () => {
    const fired = new Date('2026-12-04T02:00:00Z');
    const due = nightlyDue(fired, [{ agentId: 'a', instance: 'x' }], HOUR);
    expect(due[0]!.dueAt.getTime()).toBe(fired.getTime() + staggerOffsetMs({ agentId: 'a', instance: 'x' }, HOUR));
    expect(due[0]!.reason).toBe('nightly');
  });

  it('catches up instances whose newest set is older than 26 h, not retrying too often', () => {
    const now = new Date('2026-12-04T12:00:00Z');
    const due = catchUpDue(
      now,
      [
        { agentId: 'a', instance: 'fresh', newestCompleteAt: new Date(now.getTime() - 2 * HOUR), lastAttemptAt: null },
        { agentId: 'a', instance: 'stale', newestCompleteAt: new Date(now.getTime() - 27 * HOUR), lastAttemptAt: null },
        { agentId: 'a', instance: 'never', newestCompleteAt: null, lastAttemptAt: null },
        { agentId: 'a', instance: 'tried', newestCompleteAt: null, lastAttemptAt: new Date(now.getTime() - 10 * 60_000) },
      ],
      26 * HOUR,
      HOUR,
    );
    expect(due.map((d) => d.instance)).toEqual(['stale', 'never']);
    expect(due.every((d) => d.reason === 'catch-up')).toBe(true);
  });

  it('dispatches oldest first, at most one per agent, within the fleet cap, connected agents only', () => {
    const now = new Date('2026-12-04T02:30:00Z');
    const at = (m: number) => new Date(now.getTime() - m * 60_000);
    const due: DueUpload[] = [
      { agentId: 'h1', instance: 'a', dueAt: at(10), reason: 'nightly' },
      { agentId: 'h1', instance: 'b', dueAt: at(20), reason: 'nightly' },
      { agentId: 'h2', instance: 'a', dueAt: at(5), reason: 'nightly' },
      { agentId: 'h3', instance: 'a', dueAt: at(30), reason: 'nightly' },
      { agentId: 'h4', instance: 'a', dueAt: at(1), reason: 'nightly' },
      { agentId: 'h5', instance: 'a', dueAt: new Date(now.getTime() + 60_000), reason: 'nightly' },
      { agentId: 'h6', instance: 'a', dueAt: at(40), reason: 'nightly' },
    ];
    const picked = pickUploads(now, due, {
      running: new Set(['h6/b']),
      busyAgents: new Set(['h6']),
      connected: (id) => id !== 'h3',
      maxConcurrent: 3,
    });
    expect(picked.map((p) => `${p.agentId}/${p.instance}`)).toEqual(['h1/b', 'h2/a']);
  });
});

describe('offsite retention plan', () => {
  const now = new Date('2026-12-04T12:00:00Z');
  const nightly = (days: number): SetFacts[] =>
    Array.from({ length: days }, (_, i) => ({ setId: `s${String(i).padStart(3, '0')}`, createdAt: new Date(now.getTime() - i * DAY - HOUR), complete: true, lockedUntil: null }));

  it('keeps 30 days, deletes older, with a reason per set', () => {
    const plan = planOffsiteRetention(nightly(40), { days: 30, weekly: 0, monthly: 0 }, now);
    expect(plan.filter((d) => d.action === 'keep')).toHaveLength(30);
    expect(plan.find((d) => d.setId === 's000')!.reason).toContain('newest complete set');
    expect(plan.find((d) => d.setId === 's035')).toMatchObject({ action: 'delete', reason: expect.stringContaining('older than 30 days') });
  });

  it('never deletes the newest complete set, however old', () => {
    const old: SetFacts[] = [
      { setId: 'old1', createdAt: new Date(now.getTime() - 90 * DAY), complete: true, lockedUntil: null },
      { setId: 'old2', createdAt: new Date(now.getTime() - 100 * DAY), complete: true, lockedUntil: null },
    ];
    const plan = planOffsiteRetention(old, { days: 30, weekly: 0, monthly: 0 }, now);
    expect(plan.find((d) => d.setId === 'old1')).toMatchObject({ action: 'keep', reason: 'newest complete set' });
    expect(plan.find((d) => d.setId === 'old2')!.action).toBe('delete');
  });

  it('weekly and monthly keepers, Object Lock, incomplete sets', () => {
    const sets: SetFacts[] = [
      ...nightly(120),
      { setId: 'locked', createdAt: new Date(now.getTime() - 200 * DAY), complete: true, lockedUntil: new Date(now.getTime() + DAY) },
      { setId: 'inc-old', createdAt: new Date(now.getTime() - 2 * DAY), complete: false, lockedUntil: null },
      { setId: 'inc-new', createdAt: new Date(now.getTime() - HOUR), complete: false, lockedUntil: null },
    ];
    const plan = planOffsiteRetention(sets, { days: 7, weekly: 8, monthly: 4 }, now);
    const kept = plan.filter((d) => d.action === 'keep');
    const weeks = new Set(kept.filter((d) => d.reason.includes('weekly')).map((d) => isoWeek(d.createdAt!)));
    expect(weeks.size).toBe(8);
    expect(kept.filter((d) => d.reason.includes('monthly'))).toHaveLength(4);
    expect(plan.find((d) => d.setId === 'locked')).toMatchObject({ action: 'keep', reason: expect.stringContaining('Object Lock') });
    expect(plan.find((d) => d.setId === 'inc-old')).toMatchObject({ action: 'delete', reason: expect.stringContaining('incomplete') });
    expect(plan.find((d) => d.setId === 'inc-new')!.action).toBe('keep');
    expect(plan.find((d) => d.setId === 's119')!.action).toBe('delete');
  });
});
