import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../manifest/copy-manifest.js';
import { ARCHIVE_EPOCH_PATTERN, OffsiteKeys, zeroPad, type InstanceRef, type ObjectEncoding } from '../storage/offsite-keys.js';
import { encryptionHeaderSchema } from './set-manifest.js';

/**
 * The continuous AOF archive of one instance (DESIGN.md "Offsite sets"; issue 10 item 2): what the
 * agent's archiver writes and what a point-in-time restore reads. Every key is built by
 * `OffsiteKeys` (shared/storage/offsite-keys.ts); this module only names the parts.
 *
 * ## Keys (all under `A = <prefix>/<agent-id>/<instance>/aof-archive/`)
 *
 *   A/history.json                                          the index (see below), rewritten at structural events
 *   A/history.copy.json                                     the same, written after it; loaders fall back to it
 *   A/<epoch>/base/<gen>-<base-file>[.zst][.enc]            a base file (RDB or AOF), shipped once
 *   A/<epoch>/base/<gen>-<base-file>.json                   its record: the commit marker, written after the object
 *   A/<epoch>/incr/<incr-file>/<segment>-<start>-<end>[.zst][.enc]   bytes [start, end) of that incr file
 *   A/<epoch>/incr/<incr-file>/<segment>.json               the segment's record: the commit marker
 *
 * - `<epoch>` is `E<6-digit number>-<YYYYMMDDTHHMMSSZ>` (`E000001-20261204T150000Z`): numbered
 *   from 1 per instance archive, in order; the time is when the epoch started. A new epoch starts
 *   when archiving starts with no history, and after every gap.
 * - `<gen>` is the Redis manifest seq of the base, 10 digits zero-padded (`0000000003`), so bases
 *   sort in order; `<base-file>` is Redis's own name (`appendonly.aof.3.base.rdb`).
 * - `<incr-file>` is Redis's own name (`appendonly.aof.5.incr.aof`); its seq (5) orders it.
 * - `<segment>` is the segment number within that incr file, 8 digits zero-padded from 00000000;
 *   `<start>` and `<end>` are byte offsets within the incr file, 15 digits zero-padded;
 *   segment n+1 starts exactly where segment n ended (the first starts at 0), so the incr file's
 *   bytes [0, end of the last segment) are the plaintexts of its segments concatenated in order.
 * - Segments end on a command boundary (a complete RESP command or `#TS:` annotation) while the
 *   incr file is the one Redis appends to; once Redis has moved on to a later incr file the last
 *   segment goes to the file's end. Any prefix of an incr file's segments is therefore a valid AOF
 *   that `redis-check-aof` accepts as is (or truncates at a time with `--truncate-to-timestamp`).
 * - A data object without its `.json` record is incomplete (a kill between the two puts): never
 *   restored from; the archiver overwrites or removes it. A record whose `checksum` does not verify
 *   is damaged: the segment is treated as missing (the restorer reports it; the archive has a hole).
 *
 * ## Encoding
 *
 * Each data object goes through the same codec as set objects (object-codec.ts): plaintext →
 * zstd (when `compression` is `zstd`) → AES-256-GCM segments (when encrypted). The codec's
 * `objectKey` (bound into every GCM frame's additional data) is the object's FULL key. Every
 * object has its own fresh data key, wrapped by the operator key with `wrapDataKey(dataKey,
 * operatorKey, <full object key>, segmentBytes)` (set-keys.ts: the full key stands where a set id
 * does); the record's `encryption` holds the wrapped key. Decode with `unwrapDataKey(record.encryption,
 * operatorKey, <full object key>)` then `decodeObject(stream, { objectKey: <full key>, compression,
 * dataKey, expected: { plainBytes, plainSha256, storedBytes, storedSha256 } })`.
 *
 * ## The index: history.json
 *
 * An archive is a list of epochs. An epoch is one replayable history: its first base, then every
 * incr file in seq order (across AOF rewrites: at a rewrite Redis opens a new incr file, and the
 * old incr files plus the new one are one uninterrupted stream of writes). Later bases in the same
 * epoch ("generations") are shortcuts: base `g` plus the incr files from its `firstIncr` onward
 * replays the same history from the time of base g. So, to restore to time T within an epoch:
 *   1. pick the newest base whose `asOf` ≤ T (any base with asOf ≤ T works);
 *   2. take the epoch's incr files from that base's `firstIncr` onward (seq order) and, for each,
 *      its committed segments in segment order (check: contiguous offsets from 0, every record's
 *      checksum, every object's sizes and SHA-256s, `prevPlainSha256` chain). Stop after the first
 *      segment whose `firstTs` > T: it may still begin with writes of the second before its first
 *      annotation (Redis writes `#TS:` only when the second changes), so it is included and the
 *      cut happens inside it. Segments with `firstTs` null hold writes of one second already
 *      annotated earlier: include them like the rest. The incr file of that last segment is the
 *      last file of the replay (later incr files are not needed);
 *   3. write a Redis manifest with the files' original names: `file <base> seq <gen> type b`, then
 *      `file <incr> seq <seq> type i` per incr file in order; then cut at T with
 *      `redis-check-aof --truncate-to-timestamp T <manifest>` (it cuts the LAST file only, which
 *      is why step 2 ends the replay at the file that holds T).
 * An epoch can restore any second in [coverage from, coverage to] where `from` is its first
 * base's `asOf` and `to` is the greatest `lastTs` of its committed segments (list the records:
 * history.json is NOT rewritten on every segment, so its `lastTs` is a checkpoint only).
 *
 * A gap ends an epoch: the archiver found that the history it was shipping cannot be continued
 * (a rewrite whose files vanished before shipping, an incr file that shrank or was replaced, a
 * different history after a failover: another replid or a base/seq that does not follow). The
 * epoch is closed with `closed.reason`, a gap entry records the interval nobody can restore to
 * (from the closed epoch's last shipped timestamp to the next epoch's first `asOf`), and a new
 * epoch starts with the next base the archiver can ship whole. Nothing restores across a gap.
 *
 * history.json (and its copy) are rewritten, copy second, whenever an epoch opens or closes, a
 * base is added, or an incr file joins an epoch: before the first object of that base / incr file
 * is uploaded, so the index never lacks a file that has committed segments (it may list a file
 * whose segments are not there yet: the restorer then has nothing of it). `checksum` (last field)
 * is the SHA-256 of the canonical JSON of the rest (like set manifests).
 */

export const ARCHIVE_HISTORY_FORMAT = 'redback.aof-archive/v1';
export const ARCHIVE_RECORD_FORMAT = 'redback.aof-archive-object/v1';

const SEGMENT_DATA_PATTERN = /^(\d{8})-(\d{15})-(\d{15})(\.zst)?(\.enc)?$/;
const SEGMENT_RECORD_PATTERN = /^(\d{8})\.json$/;

/** `E000001-20261204T150000Z`: epoch `number` (1..999999) started at `startedAt`. */
export function epochId(number: number, startedAt: Date): string {
  if (!Number.isInteger(number) || number < 1 || number > 999_999) throw new Error(`bad epoch number ${number}`);
  const t = startedAt.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
  return `E${zeroPad(number, 6)}-${t}`;
}

export function parseEpochId(id: string): { number: number } | null {
  const m = ARCHIVE_EPOCH_PATTERN.exec(id);
  return m ? { number: Number(m[1]) } : null;
}

/** Every key of one instance's archive (built by OffsiteKeys, the one module for offsite keys). */
export class ArchiveKeys {
  private readonly keys: OffsiteKeys;

  constructor(
    prefix: string,
    private readonly ref: InstanceRef,
  ) {
    this.keys = new OffsiteKeys(prefix);
  }

  /** `A/` (list it to see everything archived for the instance). */
  root(): string {
    return this.keys.aofArchivePrefix(this.ref);
  }

  historyKey(): string {
    return this.keys.archiveHistoryKey(this.ref);
  }

  historyCopyKey(): string {
    return this.keys.archiveHistoryKey(this.ref, true);
  }

  epochPrefix(epoch: string): string {
    return this.keys.archiveEpochPrefix(this.ref, epoch);
  }

  /** `A/<epoch>/base/<gen>-<file>[.zst][.enc]`. */
  baseKey(epoch: string, gen: number, file: string, encoding: ObjectEncoding): string {
    return this.keys.archiveBaseKey(this.ref, epoch, gen, file, encoding);
  }

  /** `A/<epoch>/base/<gen>-<file>.json`. */
  baseRecordKey(epoch: string, gen: number, file: string): string {
    return this.keys.archiveBaseKey(this.ref, epoch, gen, file, 'record');
  }

  /** `A/<epoch>/incr/<file>/`: list it for the file's segments and records. */
  incrPrefix(epoch: string, file: string): string {
    return this.keys.archiveIncrPrefix(this.ref, epoch, file);
  }

  /** `A/<epoch>/incr/<file>/<segment>-<start>-<end>[.zst][.enc]`. */
  segmentKey(epoch: string, file: string, segment: number, start: number, end: number, encoding: ObjectEncoding): string {
    return this.keys.archiveSegmentKey(this.ref, epoch, file, segment, start, end, encoding);
  }

  /** `A/<epoch>/incr/<file>/<segment>.json`: found without knowing the offsets. */
  segmentRecordKey(epoch: string, file: string, segment: number): string {
    return this.keys.archiveSegmentRecordKey(this.ref, epoch, file, segment);
  }

  /** Parses a name relative to `incrPrefix(epoch, file)`: a segment's data object or its record; null otherwise. */
  parseSegmentName(name: string): { kind: 'data'; segment: number; start: number; end: number; encoding: ObjectEncoding } | { kind: 'record'; segment: number } | null {
    const rec = SEGMENT_RECORD_PATTERN.exec(name);
    if (rec) return { kind: 'record', segment: Number(rec[1]) };
    const data = SEGMENT_DATA_PATTERN.exec(name);
    if (data) return { kind: 'data', segment: Number(data[1]), start: Number(data[2]), end: Number(data[3]), encoding: { compressed: !!data[4], encrypted: !!data[5] } };
    return null;
  }
}

const sha = z.string().regex(/^[0-9a-f]{64}$/);
const iso = z.string().min(1);

/**
 * The record of one archived object (a base or an incr segment), `<object>.json`. Written after
 * the object's put resolved and its stored size was checked: the object exists only with it.
 */
export const archiveRecordSchema = z.object({
  format: z.literal(ARCHIVE_RECORD_FORMAT),
  kind: z.enum(['base', 'segment']),
  epoch: z.string(),
  /** The data object's full key. */
  key: z.string().min(1),
  /** The Redis file it came from (`appendonly.aof.5.incr.aof`, `appendonly.aof.3.base.rdb`). */
  file: z.string().min(1),
  /** The file's seq in Redis's manifest (the base's generation for a base). */
  fileSeq: z.number().int().nonnegative(),
  /** Segment number within the incr file (0 for a base). */
  segment: z.number().int().nonnegative(),
  /** Byte range [start, end) of the file this object holds (a base: 0 to its size). */
  start: z.number().int().nonnegative(),
  end: z.number().int().nonnegative(),
  plainBytes: z.number().int().nonnegative(),
  plainSha256: sha,
  storedBytes: z.number().int().nonnegative(),
  storedSha256: sha,
  compression: z.enum(['zstd', 'none']),
  /** The object's own data key wrapped by the operator key (AAD: the full object key); null when not encrypted. */
  encryption: encryptionHeaderSchema.nullable(),
  /** Unix seconds of the first and last `#TS:` annotation in the bytes; null when there is none. */
  firstTs: z.number().int().nullable(),
  lastTs: z.number().int().nullable(),
  /** SHA-256 of the previous segment's plaintext in this incr file (null for segment 0 and bases): a chain. */
  prevPlainSha256: sha.nullable(),
  uploadedAt: iso,
  checksum: sha,
});
export type ArchiveRecord = z.infer<typeof archiveRecordSchema>;
export type ArchiveRecordBody = Omit<ArchiveRecord, 'checksum'>;

export const archiveBaseSchema = z.object({
  /** Redis manifest seq of the base (its generation). */
  gen: z.number().int().nonnegative(),
  file: z.string().min(1),
  /** Full key of its data object and record. */
  key: z.string().min(1),
  recordKey: z.string().min(1),
  /** The state it holds is at or before this time (ISO): the file's mtime when first seen; use it for T ≥ asOf. */
  asOf: iso,
  /** The first incr file that follows this base (its `file` name); the replay continues from there. */
  firstIncr: z.string().min(1),
});
export type ArchiveBase = z.infer<typeof archiveBaseSchema>;

export const archiveIncrSchema = z.object({
  file: z.string().min(1),
  seq: z.number().int().nonnegative(),
  /** `A/<epoch>/incr/<file>/`. */
  prefix: z.string().min(1),
});
export type ArchiveIncr = z.infer<typeof archiveIncrSchema>;

export const archiveEpochSchema = z.object({
  id: z.string().regex(ARCHIVE_EPOCH_PATTERN),
  startedAt: iso,
  /** Redis's master_replid when the epoch started (a different history shows as another replid). */
  replid: z.string().nullable(),
  /** Bases in generation order; bases[0] starts the epoch. */
  bases: z.array(archiveBaseSchema),
  /** Incr files in seq (= replay) order. */
  incrs: z.array(archiveIncrSchema),
  /** Checkpoint of the coverage when the index was last written (authoritative: the segment records). */
  firstTs: z.number().int().nullable(),
  lastTs: z.number().int().nullable(),
  /** Set when a gap ended the epoch. */
  closed: z.object({ at: iso, reason: z.string(), detail: z.string() }).nullable(),
});
export type ArchiveEpoch = z.infer<typeof archiveEpochSchema>;

export const archiveGapSchema = z.object({
  /** The epoch the gap ended and the one that follows it (null until the next epoch starts). */
  afterEpoch: z.string(),
  beforeEpoch: z.string().nullable(),
  /** Unix seconds: the last archived second before the gap, and the first restorable one after it (null: not yet). */
  fromTs: z.number().int().nullable(),
  toTs: z.number().int().nullable(),
  reason: z.enum(['missed-rewrite', 'truncated', 'replaced', 'other-history', 'files-vanished']),
  detail: z.string(),
  detectedAt: iso,
});
export type ArchiveGap = z.infer<typeof archiveGapSchema>;

export const archiveHistorySchema = z.object({
  format: z.literal(ARCHIVE_HISTORY_FORMAT),
  agentId: z.string().min(1),
  instance: z.string().min(1),
  /** Epochs oldest first; only the last may be open (closed: null). */
  epochs: z.array(archiveEpochSchema),
  gaps: z.array(archiveGapSchema),
  updatedAt: iso,
  producer: z.string(),
  checksum: sha,
});
export type ArchiveHistory = z.infer<typeof archiveHistorySchema>;
export type ArchiveHistoryBody = Omit<ArchiveHistory, 'checksum'>;

function checksumOf(body: object): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export function sealArchiveRecord(body: ArchiveRecordBody): ArchiveRecord {
  const { checksum: _c, ...clean } = body as ArchiveRecord;
  return { ...clean, checksum: checksumOf(clean) };
}

export function sealArchiveHistory(body: ArchiveHistoryBody): ArchiveHistory {
  const { checksum: _c, ...clean } = body as ArchiveHistory;
  return { ...clean, checksum: checksumOf(clean) };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

function parseSealed<T extends { checksum: string }>(text: string, schema: z.ZodType<T>): Parsed<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `invalid at ${first?.path.join('.') || '(root)'}: ${first?.message}` };
  }
  const { checksum, ...body } = parsed.data;
  if (checksumOf(body) !== checksum) return { ok: false, reason: 'checksum mismatch (modified or damaged)' };
  return { ok: true, value: parsed.data };
}

/** Schema and own checksum; never throws. */
export function parseArchiveRecord(text: string): Parsed<ArchiveRecord> {
  return parseSealed(text, archiveRecordSchema);
}

/** Schema and own checksum; never throws. */
export function parseArchiveHistory(text: string): Parsed<ArchiveHistory> {
  return parseSealed(text, archiveHistorySchema);
}

export function serializeArchiveJson(value: ArchiveRecord | ArchiveHistory): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** The coverage of one epoch as reported in heartbeats and `archive-status` (Unix seconds). */
export interface EpochCoverage {
  epoch: string;
  /** First restorable second: the first base's asOf (seconds); null before the base is shipped. */
  fromTs: number | null;
  /** Last archived second (greatest lastTs of a committed segment), null when none yet. */
  toTs: number | null;
  closed: boolean;
  closedReason: string | null;
}

export function isoToUnix(iso: string): number {
  return Math.floor(new Date(iso).getTime() / 1000);
}
