/**
 * Offsite retention (pure): which sets of one instance to keep and why (restic-style reasons).
 *
 * 1. The newest complete set is always kept, whatever its age (nothing expires until a newer set
 *    covers the window: pgBackRest's rule).
 * 2. Complete sets younger than `days` are kept ("within 30 days").
 * 3. `weekly: N` keeps the newest set of each of the last N ISO weeks that have one; `monthly: N`
 *    the newest of each of the last N calendar months (UTC).
 * 4. A set that would be deleted but has an object under Object Lock is kept ("locked until"), or
 *    under a legal hold ("legal hold"): the store would refuse the delete anyway, and a half-deleted
 *    set (manifests gone, locked objects left) would be neither restorable nor cleaned up.
 * 5. Incomplete sets (no manifest that loads) older than `incompleteAfterMs` are deleted; younger
 *    ones may still be uploading and are kept.
 */

export interface RetentionPolicy {
  days: number;
  weekly: number;
  monthly: number;
}

export interface SetFacts {
  setId: string;
  /** The manifest's createdAt for complete sets; the start time (from the id) for incomplete ones. */
  createdAt: Date | null;
  complete: boolean;
  /** The latest Object Lock retain-until date among its objects, when known. */
  lockedUntil: Date | null;
  /** One of its objects is under an Object Lock legal hold. */
  legalHold?: boolean;
}

export interface RetentionDecision {
  setId: string;
  complete: boolean;
  createdAt: Date | null;
  action: 'keep' | 'delete';
  reason: string;
}

const DAY = 86_400_000;

/** ISO week id (`2026-W48`) of a UTC date. */
export function isoWeek(d: Date): string {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(t.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((t.getTime() - yearStart) / DAY + 1) / 7);
  return `${t.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

export function monthOf(d: Date): string {
  return `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

export function planOffsiteRetention(sets: readonly SetFacts[], policy: RetentionPolicy, now: Date, incompleteAfterMs = DAY): RetentionDecision[] {
  const complete = sets.filter((s) => s.complete && s.createdAt).sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime() || b.setId.localeCompare(a.setId));
  const reasons = new Map<string, string[]>();
  const keep = (id: string, why: string) => reasons.set(id, [...(reasons.get(id) ?? []), why]);

  if (complete[0]) keep(complete[0].setId, 'newest complete set');
  for (const s of complete) {
    if (now.getTime() - s.createdAt!.getTime() < policy.days * DAY) keep(s.setId, `within ${policy.days} days`);
  }
  const buckets = (n: number, label: string, bucketOf: (d: Date) => string) => {
    if (n <= 0) return;
    const seen = new Set<string>();
    for (const s of complete) {
      const b = bucketOf(s.createdAt!);
      if (seen.has(b)) continue;
      if (seen.size >= n) break;
      seen.add(b);
      keep(s.setId, `${label} ${b}`);
    }
  };
  buckets(policy.weekly, 'weekly', isoWeek);
  buckets(policy.monthly, 'monthly', monthOf);

  const out: RetentionDecision[] = [];
  for (const s of sets) {
    const base = { setId: s.setId, complete: s.complete, createdAt: s.createdAt };
    const locked = s.legalHold
      ? 'under an Object Lock legal hold'
      : s.lockedUntil && s.lockedUntil.getTime() > now.getTime()
        ? `under Object Lock until ${s.lockedUntil.toISOString()}`
        : null;
    if (!s.complete) {
      const old = s.createdAt !== null && now.getTime() - s.createdAt.getTime() > incompleteAfterMs;
      if (!old) out.push({ ...base, action: 'keep', reason: s.createdAt ? 'incomplete, may still be uploading' : 'incomplete, start time unknown' });
      else if (locked) out.push({ ...base, action: 'keep', reason: `incomplete but ${locked}` });
      else out.push({ ...base, action: 'delete', reason: `incomplete (no manifest), started ${Math.floor((now.getTime() - s.createdAt!.getTime()) / 3600_000)}h ago` });
      continue;
    }
    const why = reasons.get(s.setId);
    if (why) out.push({ ...base, action: 'keep', reason: why.join(', ') });
    else if (locked) out.push({ ...base, action: 'keep', reason: locked });
    else out.push({ ...base, action: 'delete', reason: `older than ${policy.days} days and not a weekly/monthly keeper` });
  }
  return out.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0) || b.setId.localeCompare(a.setId));
}
