import type { Readable } from 'node:stream';
import { RedbackError } from '../errors/index.js';

/**
 * The storage seam: one interface for every place redback keeps objects (a local or NFS directory,
 * S3 and S3-compatible stores). Code above the seam (offsite sets, verify, retention, catalog
 * rebuild) sees only this interface; retry and rate limiting are wrappers around any target
 * (`retrying-target.ts`, `rate-limited-target.ts`), not flags inside each implementation.
 *
 * ## Keys
 * A key is a `/`-separated relative name: no leading `/`, no empty, `.` or `..` segment, no
 * backslash or NUL, at most 1024 bytes, and no segment starting with `.tmp-` (reserved for objects
 * being written). Every method validates its key with `validateKey` and throws `USAGE` for a bad
 * one before touching storage. Keys are built in `offsite-keys.ts`, never by concatenation
 * elsewhere. A key must not be both an object and a "directory" of other keys (`a/b` and `a/b/c`):
 * S3 allows it, a file system does not, so redback's layout never does it.
 *
 * ## Errors
 * Every method rejects only with a `RedbackError` whose code says what to do about it:
 * - `NOT_FOUND`: the key does not exist (`get`; `stat` returns null instead; `delete` succeeds).
 * - `OFFSITE_ERROR`: transient (network, timeout, throttling, 5xx); `retryable` is true, and
 *   `RetryingTarget` retries it.
 * - `OFFSITE_AUTH`: the store rejected the credentials (bad key id or secret, expired token).
 * - `OFFSITE_REFUSED`: the store understood and refused (no such bucket, access denied, object
 *   locked, checksum rejected, bad configuration). Neither is retryable; both exit 15.
 * - `STORAGE_FULL`, `STORAGE_READONLY`, `STORAGE_ERROR`: a local directory target's disk.
 * - `SHORT_READ`: a `get` stream ended before the bytes the target promised (exit 8, not
 *   retryable by the wrapper: the caller re-reads if it wants to).
 * - `CANCELLED`: the caller's `signal` aborted the operation.
 * - `USAGE`: a bad key or range (a bug in the caller, never retried).
 */
export interface StorageTarget {
  /** What the target can do beyond the required methods; callers check these, never the class. */
  readonly features: StorageFeatures;

  /**
   * Stores `body` under `key`, replacing any object there. Streams: never holds the whole body in
   * memory (S3: multipart upload with a bounded number of parts in flight).
   *
   * Atomic from readers' view: until `put` resolves, `get`/`stat`/`list` see the previous object
   * (or none), never a partial one; a `put` that rejects or is aborted leaves no partial object
   * (S3: the multipart upload is aborted; local: the temp file is removed). Resolves only once the
   * object is durable (local: file and directory fsynced).
   *
   * `body` is a stream (consumed once) or a factory that opens a fresh stream each time it is
   * called; only a factory lets `RetryingTarget` retry a failed put. The stream is consumed to its
   * end; if `opts.size` is given and the body yields a different number of bytes, the put fails
   * with `VERIFY_FAILED` and stores nothing. `opts.size` (or `opts.maxSize`) also lets S3 choose
   * a part size that keeps the object under 10 000 parts; without either, large objects are
   * limited to 10 000 minimum-size parts (S3Target fails with `OFFSITE_REFUSED` beyond that).
   * `opts.onProgress` is called with the cumulative number of body bytes consumed so far.
   */
  put(key: string, body: PutBody, opts?: PutOptions): Promise<PutResult>;

  /**
   * Opens the object at `key` for reading, from `range.start` (inclusive, default 0) to
   * `range.end` (exclusive, default the object's end; clamped to the object's size). A start at or
   * past the end of the object yields an empty stream.
   *
   * Rejects with `NOT_FOUND` when the key does not exist (before any byte is read). The returned
   * stream emits an error with code `SHORT_READ` if it ends before delivering every byte of the
   * requested range (a dropped connection, a file truncated underneath): a short read is never a
   * silent success. Destroying the stream releases the connection or file handle.
   */
  get(key: string, opts?: GetOptions): Promise<Readable>;

  /** Size, modification time, etag and Object Lock retention of `key`; `null` when it does not exist. */
  stat(key: string): Promise<ObjectStat | null>;

  /**
   * Every object whose key starts with `prefix` (a plain string prefix, as S3 means it: `a/b`
   * matches `a/b/c` and `a/bc`; `''` lists everything), each exactly once. The order is not part
   * of the contract: AWS S3 and LocalDirTarget list in ascending byte order of key, but some
   * S3-compatible stores (s3rver) walk directories instead; callers that need an order sort.
   * Pages internally (S3: 1000 keys per request); callers just iterate. Objects being written (see
   * `put`) are never listed. An object put or deleted during the listing may or may not appear.
   */
  list(prefix: string): AsyncIterable<ListEntry>;

  /**
   * Removes `key`. Deleting a key that does not exist succeeds (idempotent). An object under
   * Object Lock retention cannot be deleted: rejects with `OFFSITE_REFUSED`.
   */
  delete(key: string): Promise<void>;

  /**
   * Removes what puts killed midway left behind, when started before `olderThan`: S3 multipart
   * uploads never completed (S3 bills their parts), a local directory's temp files. Returns how
   * many were removed. Optional: retention calls it when the target has it. Never touches a
   * complete object, nor an upload started after `olderThan` (it may still be running).
   */
  abortIncompleteUploads?(olderThan: Date): Promise<number>;

  /** A short human description for messages and logs, never containing secrets: `s3://bucket (https://host)`. */
  describe(): string;
}

/** A stream consumed once, or a factory opening a fresh stream per attempt (retryable). */
export type PutBody = Readable | BodyFactory;
export type BodyFactory = () => Readable | Promise<Readable>;

export interface PutOptions {
  /** The body's exact size in bytes, when known; checked against what the body yields. */
  size?: number;
  /**
   * An upper bound on the body's size when the exact size is unknown (a compressed or encrypted
   * stream of a file whose size is known). Not checked; S3 chooses the part size from it.
   */
  maxSize?: number;
  contentType?: string;
  /** Cumulative body bytes consumed so far (not bytes acknowledged by the store). */
  onProgress?: (bytes: number) => void;
  signal?: AbortSignal;
}

export interface PutResult {
  key: string;
  /** Bytes stored. */
  size: number;
  /** The store's entity tag, when it has one (S3: quoted MD5 or multipart tag). */
  etag?: string;
}

export interface GetOptions {
  /** Byte range: `start` inclusive, `end` exclusive; omitted `end` reads to the object's end. */
  range?: { start: number; end?: number };
  signal?: AbortSignal;
}

export interface ObjectStat {
  size: number;
  modified: Date;
  etag?: string;
  /**
   * Object Lock retention: the object cannot be deleted before this time. S3 reports it only to
   * callers allowed s3:GetObjectRetention; absent means "none reported", not "none".
   */
  lockedUntil?: Date;
  /** An Object Lock legal hold is on (no deletion until it is lifted, whatever the date). */
  legalHold?: boolean;
}

export interface ListEntry {
  key: string;
  size: number;
  modified: Date;
}

export interface StorageFeatures {
  /** The target's objects are files on a local file system that can be hard-linked. */
  hardLinks: boolean;
  /** The target replaces objects by rename (readers never see partial objects even without multipart). */
  atomicRename: boolean;
  /** The target can fsync directories (durable creates and renames). */
  dirSync: boolean;
  /** Objects can carry Object Lock retention (`stat().lockedUntil`; deletes refused while locked). */
  objectLock: boolean;
  /** Large puts are multipart uploads; `abortIncompleteUploads` is available. */
  multipart: boolean;
}

/** Largest key length in bytes (S3's limit). */
export const MAX_KEY_BYTES = 1024;
/** Segment prefix reserved for objects being written. */
export const RESERVED_SEGMENT_PREFIX = '.tmp-';

/** Why `key` is not a valid key, or null when it is. `allowEmpty` admits `''` (list prefixes). */
export function keyProblem(key: string, allowEmpty = false): string | null {
  if (typeof key !== 'string') return 'a key must be a string';
  if (key === '') return allowEmpty ? null : 'a key must not be empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `a key must be at most ${MAX_KEY_BYTES} bytes`;
  if (key.startsWith('/')) return 'a key must not start with /';
  if (key.includes('\\')) return 'a key must not contain a backslash';
  if (key.includes('\0')) return 'a key must not contain NUL';
  const segments = key.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    // A list prefix may end with '/' (the last, empty segment); an object key may not.
    if (segment === '' && !(allowEmpty && i === segments.length - 1)) return 'a key must not contain empty segments (//)';
    if (segment === '.' || segment === '..') return 'a key must not contain . or .. segments';
    if (segment.startsWith(RESERVED_SEGMENT_PREFIX)) return `a key segment must not start with ${RESERVED_SEGMENT_PREFIX}`;
  }
  return null;
}

/** Throws `USAGE` when `key` is not a valid object key. */
export function validateKey(key: string): string {
  const problem = keyProblem(key);
  if (problem) throw new RedbackError('USAGE', `invalid storage key ${JSON.stringify(key)}: ${problem}`);
  return key;
}

/** Throws `USAGE` when `prefix` is not a valid list prefix (a key, `''`, or a key ending in `/`). */
export function validatePrefix(prefix: string): string {
  const problem = keyProblem(prefix, true);
  if (problem) throw new RedbackError('USAGE', `invalid storage prefix ${JSON.stringify(prefix)}: ${problem}`);
  return prefix;
}

/** Throws `USAGE` for a range with a negative or non-integer bound or an end before its start. */
export function validateRange(range: GetOptions['range']): void {
  if (!range) return;
  const { start, end } = range;
  if (!Number.isSafeInteger(start) || start < 0 || (end !== undefined && (!Number.isSafeInteger(end) || end < start))) {
    throw new RedbackError('USAGE', `invalid byte range ${JSON.stringify(range)}: need 0 <= start <= end`);
  }
}

/** Opens a put body: the stream itself, or a fresh stream from the factory. */
export async function openBody(body: PutBody): Promise<Readable> {
  return typeof body === 'function' ? await body() : body;
}

/** The `CANCELLED` error a target throws when the caller's signal aborts an operation. */
export function cancelledError(what: string): RedbackError {
  return new RedbackError('CANCELLED', `${what} cancelled`);
}

/** A `SHORT_READ` error: the stream for `key` delivered `got` of `expected` bytes. */
export function shortReadError(target: string, key: string, got: number, expected: number): RedbackError {
  return new RedbackError('SHORT_READ', `short read of ${key} from ${target}: got ${got} of ${expected} bytes`, {
    hint: 'the connection dropped or the object changed while it was read; read it again',
    details: { key, got, expected },
  });
}
