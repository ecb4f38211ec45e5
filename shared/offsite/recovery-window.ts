/**
 * The recovery window of an instance (issue 10 item 3): which times a restore can reach.
 *
 * - `spans`: the seconds the continuous AOF archive restores exactly (one span per epoch; gaps
 *   between epochs are excluded), unix seconds, inclusive;
 * - `sets`: the snapshot times of complete nightly offsite sets (a restore `--before` a time
 *   outside every span reaches the newest set at or before it, not the time itself).
 *
 * `from`/`to` are the oldest and newest restorable times of either kind; `exactFrom`/`exactTo`
 * those of the archive alone. One module computes it: the agent (recover's OUTSIDE_WINDOW hint)
 * and the coordinator (catalog, `redback instances`) both call it.
 */

export interface TimeSpan {
  /** Unix seconds, inclusive. */
  from: number;
  to: number;
  /** The archive epoch it comes from. */
  epoch?: string;
}

export interface RecoveryWindow {
  /** Oldest / newest restorable time (ISO), null when nothing is restorable. */
  from: string | null;
  to: string | null;
  /** The archive's spans (to the second), oldest first. */
  spans: TimeSpan[];
  /** Seconds between spans that nothing restores exactly (gaps), as spans. */
  gaps: TimeSpan[];
  /** Nightly set snapshot times (ISO), oldest first. */
  sets: string[];
}

export function isoOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace('.000Z', 'Z');
}

export function recoveryWindow(spans: readonly TimeSpan[], setSnapshotTimes: readonly string[]): RecoveryWindow {
  const sorted = [...spans].filter((s) => s.to >= s.from).sort((a, b) => a.from - b.from);
  const sets = [...setSnapshotTimes].map((t) => new Date(t).toISOString().replace('.000Z', 'Z')).sort();
  const gaps: TimeSpan[] = [];
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.from > sorted[i - 1]!.to + 1) gaps.push({ from: sorted[i - 1]!.to + 1, to: sorted[i]!.from - 1 });
  }
  const times = [...sets.map((s) => Math.floor(new Date(s).getTime() / 1000)), ...sorted.flatMap((s) => [s.from, s.to])];
  const from = times.length ? isoOf(Math.min(...times)) : null;
  const to = times.length ? isoOf(Math.max(...times)) : null;
  return { from, to, spans: sorted, gaps, sets };
}

/** `2026-12-04T14:00:03Z … 2026-12-04T14:58:10Z` per span, comma separated. */
export function describeSpans(spans: readonly TimeSpan[]): string {
  return spans.map((s) => `${isoOf(s.from)} … ${isoOf(s.to)}`).join(', ');
}

/** One line for humans: the exact spans, then the nightly sets. */
export function describeWindow(w: RecoveryWindow): string {
  if (!w.from) return 'nothing restorable';
  const parts: string[] = [];
  if (w.spans.length) parts.push(`to the second ${describeSpans(w.spans)}${w.gaps.length ? ` (${w.gaps.length} gap${w.gaps.length === 1 ? '' : 's'})` : ''}`);
  if (w.sets.length) parts.push(`${w.sets.length} nightly set${w.sets.length === 1 ? '' : 's'} ${w.sets[0]}${w.sets.length > 1 ? ` … ${w.sets.at(-1)}` : ''}`);
  return parts.join('; ');
}

/** Whether second `ts` can be restored exactly (inside an archive span). */
export function coversSecond(w: Pick<RecoveryWindow, 'spans'>, ts: number): boolean {
  return w.spans.some((s) => ts >= s.from && ts <= s.to);
}
