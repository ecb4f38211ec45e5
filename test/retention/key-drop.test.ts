import { describe, expect, it } from 'vitest';
import { isCollapsed } from '../../agent/retention/key-drop.js';
import { DEFAULT_RETENTION, planRetention, type RetentionCopy } from '../../agent/retention/plan.js';
import { HOUR } from '../../shared/time/clock.js';

const now = new Date('2026-05-10T12:30:00Z');
const at = (iso: string) => new Date(iso);
const copy = (id: string, createdAt: string, keys: number | undefined, tier: RetentionCopy['tier'] = 'hourly'): RetentionCopy => ({
  id, tier, createdAt: at(createdAt), valid: true, pinned: false, ...(keys === undefined ? {} : { keys }),
});

describe('key-drop rule', () => {
  it('isCollapsed: 0 keys or a drop of more than the share against a reference with keys', () => {
    expect(isCollapsed(0, 1000)).toBe(true);
    expect(isCollapsed(99, 1000)).toBe(true);
    expect(isCollapsed(100, 1000)).toBe(false);
    expect(isCollapsed(0, 0)).toBe(false);
    expect(isCollapsed(400, 1000, 0.5)).toBe(true);
  });

  it('an emptied copy in the same hour never supersedes the full one (the adversary case)', () => {
    const plan = planRetention([copy('full', '2026-05-10T12:05:00Z', 1000), copy('empty', '2026-05-10T12:20:00Z', 0)], DEFAULT_RETENTION, now);
    const full = plan.find((d) => d.id === 'full')!;
    expect(full.action).toBe('keep');
    expect(full.reason).toMatch(/superseded by empty .* but kept: empty is far smaller \(1000 → 0 keys/);
    expect(full.keys).toBe(1000);
    // Without key counts (old callers) the planner behaves as before.
    const blind = planRetention([copy('full', '2026-05-10T12:05:00Z', undefined), copy('empty', '2026-05-10T12:20:00Z', undefined)], DEFAULT_RETENTION, now);
    expect(blind.find((d) => d.id === 'full')!.action).toBe('delete');
  });

  it('a similar-sized newer copy still supersedes; a daily first copy far smaller keeps the later full one', () => {
    const plan = planRetention([copy('a', '2026-05-10T12:05:00Z', 1000), copy('b', '2026-05-10T12:20:00Z', 950)], DEFAULT_RETENTION, now);
    expect(plan.find((d) => d.id === 'a')!.action).toBe('delete');
    const daily = planRetention([copy('first', '2026-05-10T00:05:00Z', 0, 'daily'), copy('later', '2026-05-10T06:00:00Z', 1000, 'daily')], DEFAULT_RETENTION, now);
    expect(daily.find((d) => d.id === 'later')!.action).toBe('keep');
  });

  it('an expired full copy is kept while every newer copy is far smaller, and only that one', () => {
    const t = now.getTime();
    const iso = (ms: number) => new Date(ms).toISOString();
    const copies = [
      copy('old-full', iso(t - 60 * HOUR), 1000),
      copy('last-full', iso(t - 50 * HOUR), 1000),
      ...Array.from({ length: 5 }, (_, i) => copy(`empty${i}`, iso(t - i * HOUR), 0)),
    ];
    const plan = planRetention(copies, DEFAULT_RETENTION, now);
    expect(plan.find((d) => d.id === 'last-full')!.action).toBe('keep');
    expect(plan.find((d) => d.id === 'last-full')!.reason).toMatch(/every newer copy is far smaller/);
    expect(plan.find((d) => d.id === 'old-full')!.action).toBe('delete');
  });
});
