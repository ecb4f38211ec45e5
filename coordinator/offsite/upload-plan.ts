import { createHash } from 'node:crypto';

/**
 * Which offsite uploads start now (pure; the scheduler feeds it and dispatches the result).
 *
 * 1. The nightly cron fires once for the fleet; each instance is then due at the fire time plus
 *    its stagger offset, a stable hash of `agent/instance` inside the stagger window, so the same
 *    instance uploads at the same minute every night and the fleet's uploads spread evenly.
 * 2. Catch-up: an instance whose newest complete set is older than `catchUpAfterMs` (or that has
 *    none) is due now, unless an attempt started within `retryAfterMs`.
 * 3. Dispatch: due instances whose agent is connected, oldest due first; at most `maxConcurrent`
 *    uploads in the fleet and at most one per agent host (its disk and uplink are shared).
 */

export interface InstanceKey {
  agentId: string;
  instance: string;
}

export type UploadReason = 'nightly' | 'catch-up' | 'operator';

export interface DueUpload extends InstanceKey {
  dueAt: Date;
  reason: UploadReason;
}

export const instanceKeyOf = (i: InstanceKey): string => `${i.agentId}/${i.instance}`;

/** Stable offset of an instance inside the stagger window, in milliseconds (whole seconds). */
export function staggerOffsetMs(key: InstanceKey, windowMs: number): number {
  const seconds = Math.floor(windowMs / 1000);
  if (seconds <= 0) return 0;
  const h = createHash('sha256').update(instanceKeyOf(key)).digest().readUInt32BE(0);
  return (h % seconds) * 1000;
}

/** Every instance due for the cron firing at `firedAt`. */
export function nightlyDue(firedAt: Date, instances: readonly InstanceKey[], windowMs: number): DueUpload[] {
  return instances.map((i) => ({ agentId: i.agentId, instance: i.instance, dueAt: new Date(firedAt.getTime() + staggerOffsetMs(i, windowMs)), reason: 'nightly' as const }));
}

export interface CatchUpFacts extends InstanceKey {
  /** Newest complete set's creation time, null when the instance has none. */
  newestCompleteAt: Date | null;
  /** When the last upload of this instance was started (any outcome), null if never. */
  lastAttemptAt: Date | null;
}

/** Instances whose newest complete set is too old (or missing) and not retried too recently. */
export function catchUpDue(now: Date, facts: readonly CatchUpFacts[], catchUpAfterMs: number, retryAfterMs: number): DueUpload[] {
  const out: DueUpload[] = [];
  for (const f of facts) {
    const stale = f.newestCompleteAt === null || now.getTime() - f.newestCompleteAt.getTime() > catchUpAfterMs;
    const recentlyTried = f.lastAttemptAt !== null && now.getTime() - f.lastAttemptAt.getTime() < retryAfterMs;
    if (stale && !recentlyTried) out.push({ agentId: f.agentId, instance: f.instance, dueAt: now, reason: 'catch-up' });
  }
  return out;
}

export interface DispatchState {
  /** Instance keys uploading now. */
  running: ReadonlySet<string>;
  /** Agents with an upload running now. */
  busyAgents: ReadonlySet<string>;
  connected: (agentId: string) => boolean;
  maxConcurrent: number;
}

/** The due uploads to start now, oldest due first, within the caps. */
export function pickUploads(now: Date, due: readonly DueUpload[], state: DispatchState): DueUpload[] {
  const picked: DueUpload[] = [];
  const agents = new Set(state.busyAgents);
  let running = state.running.size;
  const ready = due.filter((d) => d.dueAt.getTime() <= now.getTime()).sort((a, b) => a.dueAt.getTime() - b.dueAt.getTime() || instanceKeyOf(a).localeCompare(instanceKeyOf(b)));
  for (const d of ready) {
    if (running >= state.maxConcurrent) break;
    if (state.running.has(instanceKeyOf(d)) || agents.has(d.agentId) || !state.connected(d.agentId)) continue;
    picked.push(d);
    agents.add(d.agentId);
    running++;
  }
  return picked;
}
