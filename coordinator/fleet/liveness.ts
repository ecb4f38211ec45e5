export type Liveness = 'online' | 'stale' | 'offline';

export interface LivenessSettings {
  intervalMs: number;
  staleAfterMissed: number;
  offlineAfterMs: number;
}

/**
 * Online while heartbeats arrive; stale after `staleAfterMissed` missed heartbeats (or as soon as
 * the session dropped); offline once nothing was heard for `offlineAfterMs`.
 */
export function livenessOf(lastHeardAt: Date | null, connected: boolean, now: Date, s: LivenessSettings): Liveness {
  if (!lastHeardAt) return 'offline';
  const age = now.getTime() - lastHeardAt.getTime();
  if (age >= s.offlineAfterMs) return 'offline';
  if (!connected || age >= s.intervalMs * s.staleAfterMissed) return 'stale';
  return 'online';
}
