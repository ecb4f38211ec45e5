/**
 * The retention planner: given a tier's copies, a policy and "now", decides for every copy whether
 * to keep or delete it and says why. Pure: no file I/O, no clock (the caller passes `now`), and the
 * same input in any order gives the same plan. It combines restic-style buckets with pgBackRest's
 * rule that nothing expires until a newer copy covers it.
 *
 * Each tier is planned on its own. A copy "covers" others only if it is valid and not dated in the
 * future; such copies are called usable below. Ties in `createdAt` are broken by id (the larger id
 * counts as newer). For each copy, the first rule that applies decides:
 *
 * 1. Pinned copies are kept (`pinned`).
 * 2. Copies without a readable creation time are kept.
 * 3. Copies dated after `now` are kept ("created in the future (the clock moved backwards?)"); they
 *    cover nothing and never count as the newest copy of their tier.
 * 4. Invalid copies are deleted if a newer usable copy exists in the tier, otherwise kept (callers
 *    normally quarantine them before planning; this only makes the planner safe on its own).
 * 5. Tier rules, for usable copies:
 *    - hourly: a copy aged `keepMs` or more (age = now - createdAt) is expired. Of the others, the
 *      newest copy of each local hour bucket (`hourKey` in `policy.timeZone`) is kept and the rest
 *      are superseded. With 48h and copies on the hour, a run at 12:00:05 keeps exactly 48
 *      (ages 0h…47h): 47h59m59s is kept, 48h00m00s is deleted.
 *    - daily: calendar days in `policy.timeZone`. `keepMs` is rounded up to whole days N and the N
 *      most recent days counting today are kept (30d: today and the 29 days before), whatever the
 *      hours in between, so 23h/25h DST days do not shift the window. Of each kept day, the FIRST
 *      usable copy is kept (that is the day's daily) and later copies of the day are deleted.
 *    - manual: `keepMs` null keeps copies until deleted by hand; otherwise age-based as hourly,
 *      without buckets.
 *    `keepMs` null in hourly/daily means no age limit; duplicates in a bucket are still removed.
 * 6. Safety: the newest usable copy of a tier is never deleted, whatever its age (an agent that was
 *    down for 3 days keeps its 72h-old hourly copy). Every other usable copy has that newer one to
 *    cover it, which is pgBackRest's rule.
 * 7. Clock moved backwards: while any copy of the tier is dated in the future, no copy is deleted
 *    as a duplicate of its bucket (a copy taken after the jump could otherwise "supersede" one
 *    taken a day earlier in the same wall-clock hour). Expiry still applies: after a backward jump
 *    every age is smaller and the window ends earlier, so nothing expires because of the jump.
 * 8. Key drop: a copy far smaller (0 keys, or fewer by more than `policy.maxKeyDrop`, default
 *    90 %) than the one it would supersede never causes that one's deletion. A duplicate is kept
 *    when its bucket's keeper is far smaller; an expired copy is kept when every newer usable copy
 *    of the tier is far smaller (an emptied instance went on being copied). Copies without a key
 *    count (`keys` absent) are not compared.
 *
 * Decisions come back one per input copy, ordered by tier (hourly, daily, manual), newest first.
 */
import { TIERS, type Tier } from '../../shared/manifest/copy-manifest.js';
import { DAY, HOUR, formatDuration } from '../../shared/time/clock.js';
import { dayKey, daysBetween, hourKey, isValidTimeZone } from './calendar.js';
import { DEFAULT_MAX_KEY_DROP, describeDrop, isCollapsed } from './key-drop.js';

export interface RetentionCopy {
  id: string;
  tier: Tier;
  createdAt: Date;
  valid: boolean;
  pinned: boolean;
  /** Total keys of the copy (manifest); absent or null when unknown. */
  keys?: number | null;
}

/** How long a tier keeps copies; `null` keeps them forever. */
export interface TierRetention {
  keepMs: number | null;
}

export interface RetentionPolicy {
  hourly: TierRetention;
  daily: TierRetention;
  manual: TierRetention;
  /** IANA zone for hour and day buckets. */
  timeZone: string;
  /** Share of keys a copy may lack against the one it supersedes (rule 8); default 0.9. */
  maxKeyDrop?: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  hourly: { keepMs: 48 * HOUR },
  daily: { keepMs: 30 * DAY },
  manual: { keepMs: null },
  timeZone: 'UTC',
};

export interface RetentionDecision {
  id: string;
  tier: Tier;
  createdAt: Date;
  action: 'keep' | 'delete';
  reason: string;
  /** The copy's total keys, when known (shown by `prune --dry-run`). */
  keys: number | null;
  /** The copy's hour (hourly) or day (daily) bucket; null for manual copies or unknown times. */
  bucket: string | null;
}

export function planRetention(copies: readonly RetentionCopy[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  if (!isValidTimeZone(policy.timeZone)) throw new RangeError(`unknown time zone "${policy.timeZone}"`);
  if (!Number.isFinite(now.getTime())) throw new RangeError('invalid "now"');
  return TIERS.flatMap((tier) =>
    planTier(tier, copies.filter((c) => c.tier === tier).sort(newestFirst), policy, now),
  );
}

/** Newest first; equal times by id, descending. */
function newestFirst(a: RetentionCopy, b: RetentionCopy): number {
  const byTime = timeOf(b) - timeOf(a);
  if (byTime !== 0 && !Number.isNaN(byTime)) return byTime;
  if (Number.isNaN(timeOf(a)) !== Number.isNaN(timeOf(b))) return Number.isNaN(timeOf(a)) ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

const timeOf = (c: RetentionCopy): number => c.createdAt.getTime();

type Verdict = { action: 'keep' | 'delete'; reason: string; duplicate?: boolean; supersededBy?: RetentionCopy };

/** `copies` are one tier's copies, newest first. */
function planTier(tier: Tier, copies: RetentionCopy[], policy: RetentionPolicy, now: Date): RetentionDecision[] {
  const nowMs = now.getTime();
  const { keepMs } = policy[tier];
  const zone = policy.timeZone;
  const dated = (c: RetentionCopy) => Number.isFinite(timeOf(c));
  const inFuture = (c: RetentionCopy) => timeOf(c) > nowMs;
  const bucketOf = (c: RetentionCopy): string | null =>
    !dated(c) ? null : tier === 'hourly' ? hourKey(c.createdAt, zone) : tier === 'daily' ? dayKey(c.createdAt, zone) : null;

  const usable = copies.filter((c) => c.valid && dated(c) && !inFuture(c));
  const newest = usable[0];
  const clockMovedBack = copies.some((c) => dated(c) && inFuture(c));

  // The copy each bucket keeps: the newest usable one for hours, the first (earliest) for days.
  const keeper = new Map<string, RetentionCopy>();
  for (const c of usable) {
    const bucket = bucketOf(c)!;
    if (tier === 'daily' || !keeper.has(bucket)) keeper.set(bucket, c);
  }
  const today = dayKey(now, zone);
  const keepDays = keepMs === null ? null : Math.ceil(keepMs / DAY);

  const tierRule = (c: RetentionCopy, bucket: string | null, age: string): Verdict => {
    const ageMs = nowMs - timeOf(c);
    if (tier === 'manual' || bucket === null) {
      if (keepMs === null) return { action: 'keep', reason: 'manual copies are kept until deleted' };
      return ageMs >= keepMs
        ? { action: 'delete', reason: `older than ${formatDuration(keepMs)} (age ${age})` }
        : { action: 'keep', reason: `younger than ${formatDuration(keepMs)} (age ${age})` };
    }
    const first = keeper.get(bucket)!;
    if (tier === 'hourly') {
      if (keepMs !== null && ageMs >= keepMs) {
        return { action: 'delete', reason: `older than ${formatDuration(keepMs)} (age ${age})` };
      }
      return first === c
        ? { action: 'keep', reason: `newest copy in hour ${bucket} (age ${age})` }
        : { action: 'delete', reason: `superseded by ${first.id} in hour ${bucket}`, duplicate: true, supersededBy: first };
    }
    if (keepDays !== null && daysBetween(bucket, today) >= keepDays) {
      return { action: 'delete', reason: `day ${bucket} is not among the last ${keepDays} days (age ${age})` };
    }
    return first === c
      ? { action: 'keep', reason: `first copy of day ${bucket} (age ${age})` }
      : { action: 'delete', reason: `day ${bucket} is kept by its first copy ${first.id}`, duplicate: true, supersededBy: first };
  };

  const maxKeyDrop = policy.maxKeyDrop ?? DEFAULT_MAX_KEY_DROP;
  const known = (k: number | null | undefined): k is number => typeof k === 'number' && Number.isFinite(k);
  /** Rule 8: why `c` must stay because what would supersede it is far smaller; null when it may go. */
  const farSmaller = (c: RetentionCopy, by: RetentionCopy | undefined): string | null => {
    if (!known(c.keys)) return null;
    if (by) {
      return known(by.keys) && isCollapsed(by.keys, c.keys, maxKeyDrop)
        ? `${by.id} is far smaller (${describeDrop(by.keys, c.keys)}): an emptied instance never supersedes its data`
        : null;
    }
    const newer = usable.filter((u) => u !== c && newestFirst(u, c) < 0);
    if (newer.length === 0 || newer.some((u) => !known(u.keys) || !isCollapsed(u.keys, c.keys!, maxKeyDrop))) return null;
    return `every newer copy is far smaller (newest ${describeDrop(newer[0]!.keys!, c.keys)}): an emptied instance never supersedes its data`;
  };

  const decide = (c: RetentionCopy, bucket: string | null): Verdict => {
    if (c.pinned) return { action: 'keep', reason: 'pinned' };
    if (!dated(c)) return { action: 'keep', reason: 'creation time unknown' };
    if (inFuture(c)) return { action: 'keep', reason: 'created in the future (the clock moved backwards?)' };
    if (!c.valid) {
      return newest && newestFirst(newest, c) < 0
        ? { action: 'delete', reason: `invalid copy (newer valid copy ${newest.id} exists)` }
        : { action: 'keep', reason: 'invalid copy kept: no newer valid copy in the tier' };
    }
    const age = formatDuration(nowMs - timeOf(c));
    const verdict = tierRule(c, bucket, age);
    if (verdict.action === 'keep') return verdict;
    if (c === newest) return { action: 'keep', reason: `newest valid copy of the tier is always kept (age ${age})` };
    if (verdict.duplicate && clockMovedBack) {
      return { action: 'keep', reason: `${verdict.reason}, but kept: copies dated in the future (the clock moved backwards?)` };
    }
    const fewer = farSmaller(c, verdict.supersededBy);
    if (fewer) return { action: 'keep', reason: `${verdict.reason}, but kept: ${fewer}` };
    return verdict;
  };

  return copies.map((c) => {
    const bucket = bucketOf(c);
    const { action, reason } = decide(c, bucket);
    return { id: c.id, tier, createdAt: c.createdAt, action, reason, keys: typeof c.keys === 'number' ? c.keys : null, bucket };
  });
}
