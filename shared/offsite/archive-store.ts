import { Readable } from 'node:stream';
import { RedbackError } from '../errors/index.js';
import type { OffsiteTarget } from './offsite-target.js';
import { readSmallText } from './read-small.js';
import {
  parseArchiveHistory,
  parseArchiveRecord,
  serializeArchiveJson,
  type ArchiveHistory,
  type ArchiveKeys,
  type ArchiveRecord,
  type EpochCoverage,
  isoToUnix,
} from './archive-layout.js';

/**
 * Reading and writing the archive's JSON objects (archive-layout.ts) on any offsite target: the
 * archiver writes through these, a point-in-time restore reads through them.
 */

/** Puts a small JSON object and checks its stored size. */
export async function putJson(target: OffsiteTarget, key: string, text: string): Promise<void> {
  const body = Buffer.from(text);
  await target.put(key, () => Readable.from([body]), { size: body.length, contentType: 'application/json' });
  const stat = await target.stat(key);
  if (!stat || stat.size !== body.length) {
    throw new RedbackError('OFFSITE_ERROR', `${key} was stored with ${stat?.size ?? 'no'} bytes, expected ${body.length}`, {
      hint: 'the offsite store did not keep what was sent; the archiver retries on its next round',
    });
  }
}

export type LoadedHistory = { history: ArchiveHistory; loadedFrom: 'history' | 'copy'; problem: string | null } | { history: null; problem: string | null };

/** history.json, or history.copy.json when the first is missing or damaged; null when neither exists. */
export async function loadArchiveHistory(target: OffsiteTarget, keys: ArchiveKeys): Promise<LoadedHistory> {
  const problems: string[] = [];
  let found = false;
  for (const [key, from] of [[keys.historyKey(), 'history'], [keys.historyCopyKey(), 'copy']] as const) {
    const text = await readSmallText(target, key, 'archive index');
    if (text === null) {
      problems.push(`${key} missing`);
      continue;
    }
    found = true;
    const parsed = parseArchiveHistory(text);
    if (!parsed.ok) {
      problems.push(`${key}: ${parsed.reason}`);
      continue;
    }
    return { history: parsed.value, loadedFrom: from, problem: problems[0] ?? null };
  }
  return { history: null, problem: found ? problems.join('; ') : null };
}

/** Writes history.json, then history.copy.json. */
export async function writeArchiveHistory(target: OffsiteTarget, keys: ArchiveKeys, history: ArchiveHistory): Promise<void> {
  const text = serializeArchiveJson(history);
  await putJson(target, keys.historyKey(), text);
  await putJson(target, keys.historyCopyKey(), text);
}

/** A record by key: null when it does not exist; `{ problem }` when it does not parse or verify. */
export async function loadArchiveRecord(target: OffsiteTarget, key: string): Promise<ArchiveRecord | { problem: string } | null> {
  const text = await readSmallText(target, key, 'archive index');
  if (text === null) return null;
  const parsed = parseArchiveRecord(text);
  return parsed.ok ? parsed.value : { problem: `${key}: ${parsed.reason}` };
}

export interface IncrListing {
  /** Committed segments in order, contiguous from offset 0 (the listing stops at the first hole). */
  segments: ArchiveRecord[];
  /** What is wrong past `segments` (a damaged record, a hole in the offsets), or null. */
  problem: string | null;
  /** Data objects without a record (interrupted puts): never restored from. */
  orphans: string[];
}

/**
 * The committed segments of one incr file of an epoch, in order and checked for continuity:
 * segment n covers [end of n-1, end) and its `prevPlainSha256` is segment n-1's plaintext hash.
 */
export async function listIncrSegments(target: OffsiteTarget, keys: ArchiveKeys, epoch: string, file: string): Promise<IncrListing> {
  const prefix = keys.incrPrefix(epoch, file);
  const records = new Map<number, string>();
  const data = new Map<string, number>();
  for await (const entry of target.list(prefix)) {
    const parsed = keys.parseSegmentName(entry.key.slice(prefix.length));
    if (!parsed) continue;
    if (parsed.kind === 'record') records.set(parsed.segment, entry.key);
    else data.set(entry.key, parsed.segment);
  }
  const segments: ArchiveRecord[] = [];
  let problem: string | null = null;
  const numbers = [...records.keys()].sort((a, b) => a - b);
  let expect = 0;
  for (const n of numbers) {
    if (n !== expect) {
      problem = `segment ${expect} of ${file} is missing (next committed: ${n})`;
      break;
    }
    const rec = await loadArchiveRecord(target, records.get(n)!);
    if (!rec || 'problem' in rec) {
      problem = rec ? rec.problem : `segment ${n} of ${file} vanished`;
      break;
    }
    const prev = segments[segments.length - 1];
    if (rec.start !== (prev?.end ?? 0) || rec.prevPlainSha256 !== (prev?.plainSha256 ?? null) || rec.segment !== n || rec.file !== file || rec.epoch !== epoch) {
      problem = `segment ${n} of ${file} does not follow segment ${n - 1} (offsets or hash chain differ)`;
      break;
    }
    segments.push(rec);
    expect++;
  }
  const committed = new Set(segments.map((s) => s.key));
  const orphans = [...data.keys()].filter((k) => !committed.has(k));
  return { segments, problem, orphans };
}

/** Coverage of each epoch of a history from its segment records (authoritative, not the checkpoint). */
export async function archiveCoverage(target: OffsiteTarget, keys: ArchiveKeys, history: ArchiveHistory): Promise<EpochCoverage[]> {
  const out: EpochCoverage[] = [];
  for (const epoch of history.epochs) {
    let toTs: number | null = null;
    for (const incr of epoch.incrs) {
      const { segments } = await listIncrSegments(target, keys, epoch.id, incr.file);
      for (const s of segments) if (s.lastTs !== null && (toTs === null || s.lastTs > toTs)) toTs = s.lastTs;
    }
    const base = epoch.bases[0];
    out.push({ epoch: epoch.id, fromTs: base ? isoToUnix(base.asOf) : null, toTs, closed: epoch.closed !== null, closedReason: epoch.closed?.reason ?? null });
  }
  return out;
}
