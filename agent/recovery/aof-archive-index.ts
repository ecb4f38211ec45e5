import { RedbackError } from '../../shared/errors/index.js';
import {
  ArchiveKeys,
  isoToUnix,
  type ArchiveBase,
  type ArchiveEpoch,
  type ArchiveGap,
  type ArchiveHistory,
  type ArchiveRecord,
} from '../../shared/offsite/archive-layout.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import { listIncrSegments, loadArchiveHistory, loadArchiveRecord } from '../../shared/offsite/archive-store.js';
import { describeSpans, describeWindow, type RecoveryWindow, type TimeSpan } from '../../shared/offsite/recovery-window.js';

/**
 * What a point-in-time restore reads of an instance's continuous AOF archive (format:
 * shared/offsite/archive-layout.ts): the index (history.json, or its copy when the first is
 * damaged), then the committed records of every base and segment (a data object without its
 * record does not exist). From them: each epoch's coverage (the seconds it restores), and for a
 * second T the exact objects to replay.
 *
 * Coverage is conservative: an epoch restores [asOf of its oldest committed base, lastTs of its
 * last segment reachable without a hole]. A missing or damaged record, a segment that does not
 * start where the previous one ended, or whose `prevPlainSha256` does not chain, ends the coverage
 * there (the segments after it cannot be replayed).
 */

export interface SegmentEntry {
  file: string;
  seq: number;
  record: ArchiveRecord;
}

export interface EpochIndex {
  epoch: ArchiveEpoch;
  /** Committed bases (record found and valid), oldest first, with asOf in unix seconds. */
  bases: Array<{ base: ArchiveBase; record: ArchiveRecord; asOfTs: number }>;
  /** The replayable stream: every committed segment from the oldest base's first incr, in order, up to the first hole. */
  stream: SegmentEntry[];
  fromTs: number | null;
  toTs: number | null;
  /** Why the coverage stops early (a hole, a damaged record), if it does. */
  problems: string[];
}

export interface ArchiveIndex {
  history: ArchiveHistory;
  /** Which copy of the index was used. */
  historyKey: string;
  epochs: EpochIndex[];
  gaps: ArchiveGap[];
  /** Seconds the archive restores, oldest first (one span per epoch with coverage). */
  spans: TimeSpan[];
}

/** The instance's archive index; null when it has no archive (no history.json nor its copy). */
export async function loadArchiveIndex(target: OffsiteTarget, prefix: string, ref: { agentId: string; instance: string }): Promise<ArchiveIndex | null> {
  const keys = new ArchiveKeys(prefix, ref);
  const loaded = await loadArchiveHistory(target, keys);
  if (!loaded.history) {
    if (!loaded.problem) return null;
    throw new RedbackError('VERIFY_FAILED', `the AOF archive index of ${ref.instance} is damaged: ${loaded.problem}`, {
      hint: 'nothing was changed; restore a nightly set instead (redback agent offsite-list, recover --backup SETID)',
    });
  }
  const history = loaded.history;
  const epochs: EpochIndex[] = [];
  for (const epoch of history.epochs) epochs.push(await indexEpoch(target, keys, epoch));
  const spans = epochs.filter((e) => e.fromTs !== null && e.toTs !== null && e.toTs >= e.fromTs).map((e) => ({ from: e.fromTs!, to: e.toTs!, epoch: e.epoch.id }));
  return { history, historyKey: loaded.loadedFrom === 'copy' ? keys.historyCopyKey() : keys.historyKey(), epochs, gaps: history.gaps, spans };
}

async function indexEpoch(target: OffsiteTarget, keys: ArchiveKeys, epoch: ArchiveEpoch): Promise<EpochIndex> {
  const problems: string[] = [];
  const bases: EpochIndex['bases'] = [];
  for (const base of epoch.bases) {
    const record = await loadArchiveRecord(target, base.recordKey);
    if (record === null) continue; // not committed (yet)
    if ('problem' in record) {
      problems.push(`base ${base.file}: ${record.problem}`);
      continue;
    }
    if (record.key !== base.key) {
      problems.push(`base ${base.file}: record names ${record.key}, the index ${base.key}`);
      continue;
    }
    bases.push({ base, record, asOfTs: isoToUnix(base.asOf) });
  }
  const first = bases[0];
  const stream: SegmentEntry[] = [];
  let toTs: number | null = first ? first.asOfTs : null;
  if (first) {
    const startAt = epoch.incrs.findIndex((i) => i.file === first.base.firstIncr);
    for (const incr of startAt < 0 ? [] : epoch.incrs.slice(startAt)) {
      const listing = await listIncrSegments(target, keys, epoch.id, incr.file);
      for (const record of listing.segments) {
        stream.push({ file: incr.file, seq: incr.seq, record });
        if (record.lastTs !== null && (toTs === null || record.lastTs > toTs)) toTs = record.lastTs;
      }
      if (listing.problem) {
        // The segments after a hole cannot be replayed: the coverage ends here.
        problems.push(`${listing.problem}: epoch ${epoch.id} restores only up to there`);
        break;
      }
    }
  }
  return { epoch, bases, stream, fromTs: first ? first.asOfTs : null, toTs, problems };
}

/** What to download and replay for second `ts`. */
export interface ReplayPlan {
  epoch: string;
  ts: number;
  base: { file: string; gen: number; record: ArchiveRecord };
  /** Incr files in replay order with their segments (in order). */
  incrs: Array<{ file: string; seq: number; segments: ArchiveRecord[] }>;
  storedBytes: number;
  plainBytes: number;
}

/**
 * The base and segments that restore second `ts` (unix seconds), or OUTSIDE_WINDOW naming the
 * window when no epoch covers it (before the archive, after its newest second, or in a gap).
 */
export function planReplay(index: ArchiveIndex, ts: number, instance: string): ReplayPlan {
  const epoch = index.epochs.find((e) => e.fromTs !== null && e.toTs !== null && ts >= e.fromTs && ts <= e.toTs);
  if (!epoch) throw outsideWindow(index, ts, instance);
  const base = [...epoch.bases].reverse().find((b) => b.asOfTs <= ts)!;
  const incrs: ReplayPlan['incrs'] = [];
  const startAt = epoch.stream.findIndex((s) => s.file === base.base.firstIncr);
  for (const s of startAt < 0 ? [] : epoch.stream.slice(startAt)) {
    if (s.record.firstTs !== null && s.record.firstTs > ts) break; // it and everything after hold only later writes
    let incr = incrs.at(-1);
    if (!incr || incr.file !== s.file) incrs.push((incr = { file: s.file, seq: s.seq, segments: [] }));
    incr.segments.push(s.record);
  }
  const records = [base.record, ...incrs.flatMap((i) => i.segments)];
  return {
    epoch: epoch.epoch.id,
    ts,
    base: { file: base.base.file, gen: base.base.gen, record: base.record },
    incrs,
    storedBytes: records.reduce((n, r) => n + r.storedBytes, 0),
    plainBytes: records.reduce((n, r) => n + r.plainBytes, 0),
  };
}

/** The newest second the archive restores (null: nothing archived yet). */
export function newestSecond(index: ArchiveIndex): number | null {
  return index.spans.reduce<number | null>((max, s) => (max === null || s.to > max ? s.to : max), null);
}

export function outsideWindow(index: ArchiveIndex, ts: number, instance: string, window?: RecoveryWindow | null): RedbackError {
  const at = new Date(ts * 1000).toISOString().replace('.000Z', 'Z');
  const gap = index.gaps.find((g) => g.fromTs !== null && ts > g.fromTs && (g.toTs === null || ts < g.toTs));
  const where = index.spans.length === 0 ? 'the AOF archive has no restorable second yet' : gap ? `${at} lies in a gap of the AOF archive (${gap.reason}: ${gap.detail})` : `${at} is outside the AOF archive's coverage`;
  return new RedbackError('OUTSIDE_WINDOW', `cannot restore ${instance} to ${at}: ${where}`, {
    hint: `the recovery window: ${window ? describeWindow(window) : `to the second ${describeSpans(index.spans) || '(empty)'}`}; pick a time inside an archive span, or restore a nightly set with --backup SETID (nothing was changed)`,
    details: { ts, spans: index.spans, gaps: index.gaps },
  });
}
