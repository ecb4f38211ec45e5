/**
 * A streaming RDB reader: walks a whole RDB file in one pass, fed by chunks of any size, with flat
 * memory. It validates the structure (every opcode and value type Redis 2.6 to 7.4 write), counts
 * keys and expires per database as Redis loads them (keys with no elements, which Redis skips, are
 * counted apart; hashes with field TTLs too), reads the AUX fields, and checks the CRC-64 trailer
 * against its own CRC of every byte from the magic through the EOF opcode. Formats it does not read
 * (RDB 2-4, newer than 12, Valkey's) are RDB_UNSUPPORTED, never RDB_CORRUPT.
 *
 * Values are never decoded or buffered: strings, listpacks, ziplists, intsets and every other
 * blob are skipped by length, across chunk boundaries, so a 500 MB string costs no memory; of an
 * encoded blob only its header (element count, size) is read. The
 * only bytes ever copied are the few left over at the end of a chunk when a header straddles two
 * chunks (at most a few hundred), and AUX strings (bounded by AUX_MAX_BYTES).
 *
 * Design: the parser is a generator (`parse()`) that reads directly from the current chunk. Before
 * it reads a header it makes sure enough bytes are contiguous (`if (end - pos < n) yield n`); the
 * driver (`run()`) resumes it once `n` bytes are available, stitching the tail of the previous
 * chunk to the head of the next when needed. Long payloads are skipped by moving `pos` and
 * yielding 1 when a chunk is exhausted. Small strings inside one chunk take a synchronous fast path.
 *
 * Every header read is at most 9 bytes plus a payload, and a valid RDB always has at least 9 more
 * bytes after any record (the EOF opcode and the 8-byte checksum), so asking for 9 contiguous
 * bytes before each header never waits for bytes a valid file does not have.
 *
 * Format reference: redis src/rdb.h and src/rdb.c (rdbLoadRioWithLoadingCtx, rdbLoadObject,
 * rdbLoadCheckModuleValue), Redis 7.0 to 7.4.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { RedbackError, storageError } from '../errors/index.js';
import { TrailerCrc, crc64Hex } from './crc64.js';
import { lzfDecompress, lzfDecompressPrefix } from './lzf.js';
import type { RdbDatabaseSummary, RdbSummary } from './rdb-summary.js';

/** The newest RDB format this reader understands (Redis 7.4 writes 12). */
export const RDB_MAX_VERSION = 12;
/** The oldest one: version 5 (Redis 2.6) introduced the CRC-64 trailer. */
export const RDB_MIN_VERSION = 5;
/** AUX strings longer than this are skipped and recorded as `<N bytes not read>`. */
export const AUX_MAX_BYTES = 1 << 20;

// Opcodes (rdb.h).
const OP_SLOT_INFO = 0xf4;
const OP_FUNCTION2 = 0xf5;
const OP_FUNCTION_PRE_GA = 0xf6;
const OP_MODULE_AUX = 0xf7;
const OP_IDLE = 0xf8;
const OP_FREQ = 0xf9;
const OP_AUX = 0xfa;
const OP_RESIZEDB = 0xfb;
const OP_EXPIRETIME_MS = 0xfc;
const OP_EXPIRETIME = 0xfd;
const OP_SELECTDB = 0xfe;
const OP_EOF = 0xff;

// Value types (rdb.h).
const T_STRING = 0;
const T_LIST = 1;
const T_SET = 2;
const T_ZSET = 3;
const T_HASH = 4;
const T_ZSET_2 = 5;
const T_MODULE_PRE_GA = 6;
const T_MODULE_2 = 7;
const T_HASH_ZIPMAP = 9;
const T_LIST_ZIPLIST = 10;
const T_SET_INTSET = 11;
const T_ZSET_ZIPLIST = 12;
const T_HASH_ZIPLIST = 13;
const T_LIST_QUICKLIST = 14;
const T_STREAM_LISTPACKS = 15;
const T_HASH_LISTPACK = 16;
const T_ZSET_LISTPACK = 17;
const T_LIST_QUICKLIST_2 = 18;
const T_STREAM_LISTPACKS_2 = 19;
const T_SET_LISTPACK = 20;
const T_STREAM_LISTPACKS_3 = 21;
const T_HASH_METADATA_PRE_GA = 22;
const T_HASH_LISTPACK_EX_PRE_GA = 23;
const T_HASH_METADATA = 24;
const T_HASH_LISTPACK_EX = 25;

// Module value opcodes (rdb.h, RDB_MODULE_OPCODE_*).
const MOD_EOF = 0;
const MOD_SINT = 1;
const MOD_UINT = 2;
const MOD_FLOAT = 3;
const MOD_DOUBLE = 4;
const MOD_STRING = 5;

/** What a value of each type is called in "truncated inside ..." messages; null = not a type. */
const VALUE_WHAT: ReadonlyArray<string | null> = [
  'a string value', // 0
  'a list value', // 1
  'a set value', // 2
  'a sorted set value', // 3
  'a hash value', // 4
  'a sorted set value', // 5
  'a module value', // 6
  'a module value', // 7
  null, // 8 is not a type
  'a hash value (zipmap)', // 9
  'a list value (ziplist)', // 10
  'a set value (intset)', // 11
  'a sorted set value (ziplist)', // 12
  'a hash value (ziplist)', // 13
  'a list value (quicklist)', // 14
  'a stream value', // 15
  'a hash value (listpack)', // 16
  'a sorted set value (listpack)', // 17
  'a list value (quicklist)', // 18
  'a stream value', // 19
  'a set value (listpack)', // 20
  'a stream value', // 21
  'a hash value with field expirations', // 22
  'a hash value with field expirations (listpack)', // 23
  'a hash value with field expirations', // 24
  'a hash value with field expirations (listpack)', // 25
];

// Encoded blobs: one RDB string holding a zipmap, ziplist, intset or listpack. The reader reads
// only its header (element count and total size, decompressing LZF just that far) to tell empty
// values (which Redis skips on load) and blobs whose size field disagrees (which Redis refuses).
const BLOB_NONE = 0;
const BLOB_ZIPMAP = 1;
const BLOB_ZIPLIST = 2;
const BLOB_INTSET = 3;
const BLOB_LISTPACK = 4;
/** Bytes of each blob kind's header that the reader looks at. */
const BLOB_HEADER = [0, 2, 10, 8, 6];
const BLOB_NAME = ['', 'zipmap', 'ziplist', 'intset', 'listpack'];
/** Longest LZF input that can be needed to produce a blob header (a 1-byte literal costs 2 bytes). */
const LZF_HEADER_INPUT = 32;

/** The blob kind of each value type that is exactly one encoded blob. */
const BLOB_OF_TYPE: ReadonlyArray<number> = VALUE_WHAT.map((_, t) => {
  switch (t) {
    case T_HASH_ZIPMAP:
      return BLOB_ZIPMAP;
    case T_LIST_ZIPLIST:
    case T_ZSET_ZIPLIST:
    case T_HASH_ZIPLIST:
      return BLOB_ZIPLIST;
    case T_SET_INTSET:
      return BLOB_INTSET;
    case T_HASH_LISTPACK:
    case T_ZSET_LISTPACK:
    case T_SET_LISTPACK:
    case T_HASH_LISTPACK_EX_PRE_GA:
      return BLOB_LISTPACK;
    default:
      return BLOB_NONE;
  }
});

/**
 * Elements in a blob from its first bytes `h` (as many as BLOB_HEADER asks, fewer only when the
 * blob is shorter), `total` being its uncompressed size. Returns a count (a large one when the
 * header says "unknown, too many to count"), or a string saying why Redis would refuse the blob.
 */
function blobElements(kind: number, h: Uint8Array, p: number, available: number, total: number): number | string {
  if (total < (kind === BLOB_ZIPMAP ? 1 : BLOB_HEADER[kind]!) || available < Math.min(total, BLOB_HEADER[kind]!)) {
    return `${BLOB_NAME[kind]} of ${total} bytes is shorter than its header`;
  }
  switch (kind) {
    case BLOB_ZIPMAP: {
      const n = h[p]!;
      // 254 and more: "count unknown"; an empty zipmap is its length byte and the end marker.
      if (n < 254) return n;
      return total >= 2 && h[p + 1] === 0xff ? 0 : n;
    }
    case BLOB_ZIPLIST: {
      const bytes = u32le(h, p);
      if (bytes !== total) return `ziplist header says ${bytes} bytes, the string holds ${total}`;
      return h[p + 8]! | (h[p + 9]! << 8);
    }
    case BLOB_INTSET: {
      const width = u32le(h, p);
      const n = u32le(h, p + 4);
      if ((width !== 2 && width !== 4 && width !== 8) || 8 + width * n !== total) return `intset header (${n} integers of ${width} bytes) does not match its ${total} bytes`;
      return n;
    }
    default: {
      const bytes = u32le(h, p);
      if (bytes !== total) return `listpack header says ${bytes} bytes, the string holds ${total}`;
      return h[p + 4]! | (h[p + 5]! << 8);
    }
  }
}

const CORRUPT_HINT =
  'the file is damaged: take a new snapshot or use another copy (redis-check-rdb FILE gives details)';
const TRUNCATED_HINT =
  'the copy is incomplete (interrupted copy, full disk or a file still being written): take a new snapshot or use another copy';
const STITCH_EXTRA = 1024;
const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8');

/** Where the last lenAt() call put its value (avoids allocating a result object). */
let lenValue = 0;

function u32be(b: Uint8Array, p: number): number {
  return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
}

function u32le(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}

/**
 * Reads a plain length at b[p] (the caller made sure 9 bytes are there). Returns the position after
 * it and leaves the value in lenValue, or returns -1 if b[p] is not a plain length encoding.
 * 64-bit lengths above 2^53 lose precision (they are only ever IDs or absurd counts).
 */
function lenAt(b: Uint8Array, p: number): number {
  const first = b[p]!;
  switch (first >> 6) {
    case 0:
      lenValue = first & 0x3f;
      return p + 1;
    case 1:
      lenValue = ((first & 0x3f) << 8) | b[p + 1]!;
      return p + 2;
    case 2:
      if (first === 0x80) {
        lenValue = u32be(b, p + 1);
        return p + 5;
      }
      if (first === 0x81) {
        lenValue = u32be(b, p + 1) * 4294967296 + u32be(b, p + 5);
        return p + 9;
      }
      return -1;
    default:
      return -1;
  }
}

/**
 * Incremental RDB reader. Feed it the file with `update()` in chunks of any size (the chunks are
 * not retained after `update()` returns, so the caller may reuse its buffer), then call `finish()`.
 */
export class RdbStreamReader {
  // Input window: the parser reads buf[pos..end); buf[0] is at absolute offset `base`.
  private buf: Uint8Array = EMPTY;
  private pos = 0;
  private end = 0;
  private base = 0;
  /** When buf is a stitch (carry + head of a chunk): the chunk, and where it starts in the stitch. */
  private pendingChunk: Uint8Array | null = null;
  private pendingChunkBase = 0;
  private stitchCarryLen = 0;
  /** Unread bytes at the end of the previous chunk (fewer than the parser asked for). */
  private carry: Uint8Array | null = null;
  private carryBase = 0;
  /** Contiguous bytes the parser needs before it can be resumed. */
  private needed = 0;

  private readonly gen: Generator<number, void, undefined>;
  private parsed = false;
  private failed: RedbackError | null = null;
  private summary: RdbSummary | null = null;
  private total = 0;

  // CRC over every byte but the last 8 seen so far (the last 8 are the trailer when the file ends),
  // unless the caller computes it elsewhere (another thread) and hands it to finish().
  private readonly crc: TrailerCrc | null;
  /** The first bytes of the file, to tell "not an rdb file" from "truncated" on tiny inputs. */
  private readonly head = new Uint8Array(9);

  // What the parser found.
  private version = 0;
  private readonly aux: Record<string, string> = {};
  private readonly dbs = new Map<number, RdbDatabaseSummary>();
  private currentDb = 0;
  private currentDbSummary: RdbDatabaseSummary | null = null;
  private pendingExpire = false;
  /** Set by the value parsers: the value just read has no elements (Redis skips the key). */
  private valueEmpty = false;
  /** Elements of the last blob read by fastSkipBlob / skipBlob. */
  private blobCount = 0;
  private functions = 0;
  private preReleaseFunctions = 0;
  private storedLo = 0;
  private storedHi = 0;
  /** Describes where the parser is, for "truncated" messages. */
  private what = 'the header';
  private recordStart = 0;

  /**
   * @param options.externalCrc the caller computes the CRC-64 (with TrailerCrc, e.g. on another
   *   thread) and passes it to finish(); the reader then only walks the structure.
   */
  constructor(options: { externalCrc?: boolean } = {}) {
    this.crc = options.externalCrc ? null : new TrailerCrc();
    this.gen = this.parse();
  }

  /** Bytes fed so far. */
  get bytesSeen(): number {
    return this.total;
  }

  /** Feeds the next chunk. Throws RDB_CORRUPT as soon as the format is wrong, RDB_UNSUPPORTED for a format it does not read. */
  update(chunk: Uint8Array): void {
    if (this.failed) throw this.failed;
    if (this.summary) throw new RedbackError('INTERNAL', 'rdb reader: update() called after finish()');
    if (chunk.length === 0) return;
    try {
      if (this.total < 9) this.head.set(chunk.subarray(0, 9 - this.total), this.total);
      this.crc?.update(chunk);
      this.total += chunk.length;
      if (this.parsed) throw this.trailingData(this.total - chunk.length);
      const carry = this.carry;
      if (carry !== null) {
        const extra = Math.min(chunk.length, STITCH_EXTRA);
        const stitch = new Uint8Array(carry.length + extra);
        stitch.set(carry, 0);
        stitch.set(chunk.subarray(0, extra), carry.length);
        this.buf = stitch;
        this.pos = 0;
        this.end = stitch.length;
        this.base = this.carryBase;
        this.stitchCarryLen = carry.length;
        this.pendingChunk = chunk;
        this.pendingChunkBase = this.carryBase + carry.length;
        this.carry = null;
      } else {
        this.buf = chunk;
        this.pos = 0;
        this.end = chunk.length;
        this.base = this.total - chunk.length;
        this.pendingChunk = null;
      }
      this.run();
    } catch (err) {
      this.failed = err instanceof RedbackError ? err : new RedbackError('INTERNAL', String(err), { cause: err });
      this.release();
      throw this.failed;
    }
  }

  /**
   * Ends the input and returns the summary. Throws RedbackError('RDB_CORRUPT') when the file is
   * truncated or its checksum does not match. A file written with `rdbchecksum no` (8 zero bytes
   * as trailer) is not an error here: the summary says `checksumDisabled: true`.
   */
  finish(externalCrc?: bigint): RdbSummary {
    if (this.failed) throw this.failed;
    if (this.summary) return this.summary;
    try {
      if (!this.parsed) throw this.incomplete();
      const storedChecksum = (BigInt(this.storedHi) << 32n) | BigInt(this.storedLo);
      const computedChecksum = this.crc ? this.crc.digest() : externalCrc;
      if (computedChecksum === undefined) throw new RedbackError('INTERNAL', 'rdb reader: finish() needs the CRC computed outside (externalCrc)');
      const checksumDisabled = storedChecksum === 0n;
      if (!checksumDisabled && storedChecksum !== computedChecksum) {
        throw new RedbackError(
          'RDB_CORRUPT',
          `rdb checksum mismatch: stored 0x${crc64Hex(storedChecksum)}, computed 0x${crc64Hex(computedChecksum)}`,
          {
            hint: CORRUPT_HINT,
            details: { stored: crc64Hex(storedChecksum), computed: crc64Hex(computedChecksum), bytes: this.total },
          },
        );
      }
      const databases: Record<number, RdbDatabaseSummary> = {};
      for (const [id, db] of [...this.dbs.entries()].sort((a, b) => a[0] - b[0])) {
        if (db.keys > 0 || db.emptyKeys > 0 || (db.resizeKeys ?? 0) > 0) databases[id] = db;
      }
      const aux = this.aux;
      this.summary = {
        rdbVersion: this.version,
        aux,
        redisVersion: aux['redis-ver'] ?? null,
        ctime: parseAuxInt(aux['ctime']),
        usedMem: parseAuxInt(aux['used-mem']),
        aofBase: (parseAuxInt(aux['aof-base']) ?? 0) !== 0,
        databases,
        functions: this.functions,
        preReleaseFunctions: this.preReleaseFunctions,
        bytes: this.total,
        storedChecksum,
        computedChecksum,
        checksumDisabled,
      };
      return this.summary;
    } catch (err) {
      this.failed = err instanceof RedbackError ? err : new RedbackError('INTERNAL', String(err), { cause: err });
      throw this.failed;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Driver
  // ---------------------------------------------------------------------------------------------

  private run(): void {
    for (;;) {
      if (this.end - this.pos >= this.needed) {
        const step = this.gen.next();
        if (step.done === true) {
          this.parsed = true;
          const at = this.base + this.pos;
          this.release();
          if (this.total > at) throw this.trailingData(at);
          return;
        }
        this.needed = step.value;
        continue;
      }
      if (this.pendingChunk !== null && this.pos >= this.stitchCarryLen) {
        // Past the carried bytes, the stitch is a copy of the chunk's head: continue in the chunk.
        const chunk = this.pendingChunk;
        this.pos -= this.stitchCarryLen;
        this.buf = chunk;
        this.end = chunk.length;
        this.base = this.pendingChunkBase;
        this.pendingChunk = null;
        continue;
      }
      // Not enough bytes: keep the unread tail (shorter than `needed`, so small) for the next chunk.
      // If buf is a stitch here, it holds the whole (small) chunk.
      if (this.pos < this.end) {
        // A copy, never a view: the caller may reuse its buffer (and Buffer#slice is a view).
        const carry = new Uint8Array(this.end - this.pos);
        carry.set(this.buf.subarray(this.pos, this.end));
        this.carry = carry;
        this.carryBase = this.base + this.pos;
      }
      this.release();
      return;
    }
  }

  /** Drops references to the caller's chunk. */
  private release(): void {
    this.buf = EMPTY;
    this.base += this.pos;
    this.pos = 0;
    this.end = 0;
    this.pendingChunk = null;
  }



  // ---------------------------------------------------------------------------------------------
  // Errors
  // ---------------------------------------------------------------------------------------------

  private offset(): number {
    return this.base + this.pos;
  }

  private corrupt(message: string, at = this.offset()): RedbackError {
    return new RedbackError('RDB_CORRUPT', `rdb is corrupt at offset ${at}: ${message}`, {
      hint: CORRUPT_HINT,
      details: { offset: at, recordOffset: this.recordStart },
    });
  }

  private notRdb(reason: string): RedbackError {
    return new RedbackError('RDB_CORRUPT', `not an rdb file (${reason})`, {
      hint: 'the file does not start with the REDIS magic: check the path (an AOF or another file?)',
      details: { bytes: this.total },
    });
  }

  private trailingData(at: number): RedbackError {
    return new RedbackError('RDB_CORRUPT', `rdb file has unexpected data after the checksum trailer at offset ${at}`, {
      hint: 'something was appended to the file after Redis wrote it; use another copy',
      details: { offset: at },
    });
  }

  private incomplete(): RedbackError {
    if (this.version === 0) {
      if (this.total === 0) return this.notRdb('the file is empty');
      const magic = [0x52, 0x45, 0x44, 0x49, 0x53]; // REDIS
      for (let i = 0; i < Math.min(this.total, 5); i++) {
        if (this.head[i] !== magic[i]) return this.notRdb('bad magic');
      }
    }
    // Waiting for the 9 bytes of the last record: if it is the EOF opcode, the trailer is missing.
    const what = this.what === 'the next record' && this.carry !== null && this.carry[0] === OP_EOF ? 'the checksum trailer' : this.what;
    return new RedbackError(
      'RDB_CORRUPT',
      `rdb file is truncated (ended inside ${what} at offset ${this.total})`,
      { hint: TRUNCATED_HINT, details: { bytes: this.total, recordOffset: this.recordStart } },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // Parser. Reads this.buf[this.pos..this.end); re-reads this.buf after every yield.
  // ---------------------------------------------------------------------------------------------

  private *parse(): Generator<number, void, undefined> {
    this.what = 'the header';
    if (this.end - this.pos < 9) yield 9;
    {
      const b = this.buf;
      const p = this.pos;
      if (utf8.decode(b.subarray(p, p + 6)) === 'VALKEY') {
        const magic = utf8.decode(b.subarray(p, p + 9)).replace(/[^\x20-\x7e]/g, '?');
        throw new RedbackError('RDB_UNSUPPORTED', `the file is a Valkey RDB (magic ${magic}), not a Redis one: Redis cannot load it`, {
          hint: 'restore it into a Valkey server with Valkey\'s tools; redback reads the RDB files Redis writes (formats 5 to 12)',
          details: { magic },
        });
      }
      if (b[p] !== 0x52 || b[p + 1] !== 0x45 || b[p + 2] !== 0x44 || b[p + 3] !== 0x49 || b[p + 4] !== 0x53) {
        throw this.notRdb('bad magic');
      }
      let version = 0;
      for (let i = 5; i < 9; i++) {
        const digit = b[p + i]! - 0x30;
        if (digit < 0 || digit > 9) throw this.notRdb('bad version digits');
        version = version * 10 + digit;
      }
      this.pos = p + 9;
      if (version > RDB_MAX_VERSION) {
        throw new RedbackError(
          'RDB_UNSUPPORTED',
          `rdb version ${version} is newer than redback reads (formats ${RDB_MIN_VERSION} to ${RDB_MAX_VERSION}, up to Redis 7.4): the file is not damaged`,
          {
            hint: `it was written by a Redis newer than this redback knows: upgrade redback to check it, and restore it only into a Redis that loads rdb version ${version}`,
            details: { rdbVersion: version },
          },
        );
      }
      if (version < RDB_MIN_VERSION) {
        throw new RedbackError(
          'RDB_UNSUPPORTED',
          `rdb version ${version} is too old for redback (written by Redis before 2.6, it has no checksum): the file is not necessarily damaged`,
          {
            hint: 'Redis 7 still loads it: put it in place as dump.rdb by hand, start Redis, then take a new copy with `redback agent snapshot`',
            details: { rdbVersion: version },
          },
        );
      }
      this.version = version;
    }

    for (;;) {
      this.what = 'the next record';
      this.recordStart = this.base + this.pos;
      if (this.end - this.pos < 9) yield 9;
      const type = this.buf[this.pos++]!;

      if (type <= T_HASH_LISTPACK_EX) {
        const what = VALUE_WHAT[type];
        if (what === null || what === undefined) throw this.corrupt(`unknown value type ${type}`, this.offset() - 1);
        this.what = 'a key name';
        if (!this.fastSkipString()) yield* this.skipString();
        this.what = what;
        this.valueEmpty = false;
        if (type === T_STRING) {
          if (!this.fastSkipString()) yield* this.skipString();
        } else if (BLOB_OF_TYPE[type] !== BLOB_NONE) {
          const kind = BLOB_OF_TYPE[type]!;
          if (!this.fastSkipBlob(kind)) yield* this.skipBlob(kind);
          this.valueEmpty = this.blobCount === 0;
        } else {
          yield* this.skipValue(type);
        }
        let db = this.currentDbSummary;
        if (db === null) db = this.dbSummary();
        if (this.valueEmpty) {
          db.emptyKeys++;
        } else {
          db.keys++;
          if (this.pendingExpire) db.expires++;
          if (type >= T_HASH_METADATA_PRE_GA) db.hashesWithFieldTtl++;
        }
        this.pendingExpire = false;
        continue;
      }

      switch (type) {
        case OP_EOF: {
          this.what = 'the checksum trailer';
          // 9 bytes were ensured at the opcode: the 8 trailer bytes are here.
          const b = this.buf;
          const p = this.pos;
          this.storedLo = u32le(b, p);
          this.storedHi = u32le(b, p + 4);
          this.pos = p + 8;
          return;
        }
        case OP_SELECTDB: {
          this.what = 'a select-db record';
          if (this.end - this.pos < 9) yield 9;
          const id = this.readLen();
          if (id > 0x7fffffff) throw this.corrupt(`database index ${id} is out of range`);
          this.currentDb = id;
          this.currentDbSummary = null;
          break;
        }
        case OP_RESIZEDB: {
          this.what = 'a resize-db record';
          if (this.end - this.pos < 9) yield 9;
          const keys = this.readLen();
          if (this.end - this.pos < 9) yield 9;
          const expires = this.readLen();
          const db = this.dbSummary();
          db.resizeKeys = keys;
          db.resizeExpires = expires;
          break;
        }
        case OP_EXPIRETIME_MS:
          // 8 bytes are there (9 were ensured at the opcode).
          this.pos += 8;
          this.pendingExpire = true;
          break;
        case OP_EXPIRETIME:
          this.pos += 4;
          this.pendingExpire = true;
          break;
        case OP_FREQ:
          this.pos += 1;
          break;
        case OP_IDLE:
          this.what = 'an idle-time record';
          if (this.end - this.pos < 9) yield 9;
          this.readLen();
          break;
        case OP_AUX: {
          this.what = 'an aux field';
          const key = yield* this.readAuxString();
          const value = yield* this.readAuxString();
          // defineProperty: an AUX key named "__proto__" must stay a plain field.
          Object.defineProperty(this.aux, key, { value, enumerable: true, writable: true, configurable: true });
          break;
        }
        case OP_MODULE_AUX: {
          this.what = 'a module aux record';
          if (this.end - this.pos < 9) yield 9;
          this.readLen(); // module id
          if (this.end - this.pos < 9) yield 9;
          const whenOpcode = this.readLen();
          if (whenOpcode !== MOD_UINT) throw this.corrupt(`module aux record has a bad 'when' opcode ${whenOpcode}`);
          if (this.end - this.pos < 9) yield 9;
          this.readLen(); // when
          yield* this.skipModuleValue();
          break;
        }
        case OP_FUNCTION_PRE_GA: {
          // Redis 7.0 rc1/rc2: name, engine, has-description flag [, description], code.
          this.what = 'a function library (7.0 pre-release format)';
          if (!this.fastSkipString()) yield* this.skipString();
          if (!this.fastSkipString()) yield* this.skipString();
          if (this.end - this.pos < 9) yield 9;
          const hasDescription = this.readLen();
          if (hasDescription !== 0 && !this.fastSkipString()) yield* this.skipString();
          if (!this.fastSkipString()) yield* this.skipString();
          this.functions++;
          this.preReleaseFunctions++;
          break;
        }
        case OP_FUNCTION2:
          this.what = 'a function library';
          if (!this.fastSkipString()) yield* this.skipString();
          this.functions++;
          break;
        case OP_SLOT_INFO:
          this.what = 'a slot-info record';
          for (let i = 0; i < 3; i++) {
            if (this.end - this.pos < 9) yield 9;
            this.readLen();
          }
          break;
        default:
          throw this.corrupt(`unknown record type ${type} (0x${type.toString(16)})`, this.offset() - 1);
      }
    }
  }

  private dbSummary(): RdbDatabaseSummary {
    let db = this.dbs.get(this.currentDb);
    if (db === undefined) {
      db = { keys: 0, expires: 0, emptyKeys: 0, hashesWithFieldTtl: 0, resizeKeys: null, resizeExpires: null };
      this.dbs.set(this.currentDb, db);
    }
    this.currentDbSummary = db;
    return db;
  }

  /** Reads a plain length; the caller made sure 9 bytes are available. */
  private readLen(): number {
    const p = lenAt(this.buf, this.pos);
    if (p < 0) {
      const first = this.buf[this.pos]!;
      throw this.corrupt(
        first >> 6 === 3
          ? `found a string encoding (0x${first.toString(16)}) where a length was expected`
          : `invalid length encoding 0x${first.toString(16)}`,
      );
    }
    this.pos = p;
    return lenValue;
  }

  /**
   * Skips one RDB string synchronously if it lies entirely in the current buffer; returns false
   * (consuming nothing) otherwise, and the caller falls back to the generator `skipString()`.
   */
  private fastSkipString(): boolean {
    const b = this.buf;
    const end = this.end;
    let p = this.pos;
    if (end - p < 9) return false;
    const first = b[p]!;
    let len: number;
    switch (first >> 6) {
      case 0:
        len = first & 0x3f;
        p += 1;
        break;
      case 1:
        len = ((first & 0x3f) << 8) | b[p + 1]!;
        p += 2;
        break;
      case 2:
        if (first !== 0x80) return false;
        len = u32be(b, p + 1);
        p += 5;
        break;
      default: {
        const enc = first & 0x3f;
        if (enc === 0) len = 1;
        else if (enc === 1) len = 2;
        else if (enc === 2) len = 4;
        else if (enc === 3) {
          // LZF: compressed length, uncompressed length, compressed bytes.
          if (end - p < 19) return false;
          let q = lenAt(b, p + 1);
          if (q < 0) return false;
          len = lenValue;
          q = lenAt(b, q);
          if (q < 0) return false;
          p = q;
          break;
        } else return false;
        p += 1;
        break;
      }
    }
    if (end - p < len) return false;
    this.pos = p + len;
    return true;
  }

  /**
   * Skips one encoded blob (a string) synchronously if it lies entirely in the current buffer,
   * leaving its element count in blobCount; returns false (consuming nothing) otherwise.
   */
  private fastSkipBlob(kind: number): boolean {
    const b = this.buf;
    const end = this.end;
    const p = this.pos;
    if (end - p < 9) return false;
    const first = b[p]!;
    if (first >> 6 === 3) {
      if ((first & 0x3f) !== 3) return false; // an integer is never a blob: the slow path says so
      let q = lenAt(b, p + 1);
      if (q < 0) return false;
      const compressed = lenValue;
      if (end - q < 9) return false;
      q = lenAt(b, q);
      if (q < 0) return false;
      const length = lenValue;
      if (end - q < compressed) return false;
      const header = this.lzfHeader(kind, b.subarray(q, q + Math.min(compressed, LZF_HEADER_INPUT)), q);
      this.checkBlob(kind, header, 0, header.length, length, p);
      this.pos = q + compressed;
      return true;
    }
    const q = lenAt(b, p);
    if (q < 0) return false;
    const len = lenValue;
    if (end - q < len) return false;
    this.checkBlob(kind, b, q, Math.min(len, BLOB_HEADER[kind]!), len, p);
    this.pos = q + len;
    return true;
  }

  /** Skips one encoded blob of any size, across chunks; its element count goes to blobCount. */
  private *skipBlob(kind: number): Generator<number, void, undefined> {
    if (this.end - this.pos < 9) yield 9;
    const start = this.offset();
    const first = this.buf[this.pos]!;
    if (first >> 6 === 3) {
      if ((first & 0x3f) !== 3) throw this.corrupt(`a ${BLOB_NAME[kind]} is stored as an integer`);
      this.pos++;
      if (this.end - this.pos < 9) yield 9;
      const compressed = this.readLen();
      if (this.end - this.pos < 9) yield 9;
      const length = this.readLen();
      const need = Math.min(compressed, LZF_HEADER_INPUT);
      if (this.end - this.pos < need) yield need;
      const header = this.lzfHeader(kind, this.buf.subarray(this.pos, this.pos + need), this.offset());
      this.checkBlob(kind, header, 0, header.length, length, start);
      yield* this.skipBytes(compressed);
      return;
    }
    const len = this.readLen();
    const need = Math.min(len, BLOB_HEADER[kind]!);
    if (this.end - this.pos < need) yield need;
    this.checkBlob(kind, this.buf, this.pos, need, len, start);
    yield* this.skipBytes(len);
  }

  private lzfHeader(kind: number, compressed: Uint8Array, at: number): Uint8Array {
    const header = lzfDecompressPrefix(compressed, BLOB_HEADER[kind]!);
    if (header === null) throw this.corrupt(`invalid lzf-compressed ${BLOB_NAME[kind]}`, at);
    return header;
  }

  private checkBlob(kind: number, bytes: Uint8Array, p: number, available: number, total: number, at: number): void {
    const n = blobElements(kind, bytes, p, available, total);
    if (typeof n === 'string') throw this.corrupt(n, at);
    this.blobCount = n;
  }

  /** Skips one RDB string of any size and encoding, across chunks. */
  private *skipString(): Generator<number, void, undefined> {
    if (this.end - this.pos < 9) yield 9;
    const first = this.buf[this.pos]!;
    let len: number;
    if (first >> 6 === 3) {
      const enc = first & 0x3f;
      this.pos++;
      if (enc === 0) len = 1;
      else if (enc === 1) len = 2;
      else if (enc === 2) len = 4;
      else if (enc === 3) {
        if (this.end - this.pos < 9) yield 9;
        len = this.readLen(); // compressed length
        if (this.end - this.pos < 9) yield 9;
        this.readLen(); // uncompressed length
      } else throw this.corrupt(`unknown string encoding ${enc}`, this.offset() - 1);
    } else {
      len = this.readLen();
    }
    yield* this.skipBytes(len);
  }

  /** Skips n bytes, across chunks, without copying them. */
  private *skipBytes(n: number): Generator<number, void, undefined> {
    for (;;) {
      const avail = this.end - this.pos;
      if (n <= avail) {
        this.pos += n;
        return;
      }
      this.pos = this.end;
      n -= avail;
      yield 1;
    }
  }

  /** Copies n bytes out of the input, across chunks. */
  private *readBytes(n: number): Generator<number, Uint8Array, undefined> {
    const out = new Uint8Array(n);
    let o = 0;
    for (;;) {
      const take = Math.min(n - o, this.end - this.pos);
      out.set(this.buf.subarray(this.pos, this.pos + take), o);
      o += take;
      this.pos += take;
      if (o === n) return out;
      yield 1;
    }
  }

  /** Reads an RDB string as text (AUX keys and values); integer encodings come out in decimal. */
  private *readAuxString(): Generator<number, string, undefined> {
    if (this.end - this.pos < 9) yield 9;
    const first = this.buf[this.pos]!;
    if (first >> 6 === 3) {
      const enc = first & 0x3f;
      this.pos++;
      const b = this.buf;
      const p = this.pos;
      switch (enc) {
        case 0:
          this.pos = p + 1;
          return String((b[p]! << 24) >> 24);
        case 1:
          this.pos = p + 2;
          return String(((b[p]! | (b[p + 1]! << 8)) << 16) >> 16);
        case 2:
          this.pos = p + 4;
          return String(b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24));
        case 3: {
          if (this.end - this.pos < 9) yield 9;
          const compressed = this.readLen();
          if (this.end - this.pos < 9) yield 9;
          const length = this.readLen();
          if (compressed > AUX_MAX_BYTES || length > AUX_MAX_BYTES) {
            yield* this.skipBytes(compressed);
            return `<${length} bytes not read>`;
          }
          const start = this.offset();
          const data = yield* this.readBytes(compressed);
          const text = lzfDecompress(data, length);
          if (text === null) throw this.corrupt('invalid lzf-compressed string', start);
          return utf8.decode(text);
        }
        default:
          throw this.corrupt(`unknown string encoding ${enc}`, this.offset() - 1);
      }
    }
    const len = this.readLen();
    if (len > AUX_MAX_BYTES) {
      yield* this.skipBytes(len);
      return `<${len} bytes not read>`;
    }
    return utf8.decode(yield* this.readBytes(len));
  }

  /** Skips a value of a type that is not a single string. */
  private *skipValue(type: number): Generator<number, void, undefined> {
    switch (type) {
      case T_LIST:
      case T_SET:
      case T_LIST_QUICKLIST: {
        if (this.end - this.pos < 9) yield 9;
        const n = this.readLen();
        if (type !== T_LIST_QUICKLIST) {
          this.valueEmpty = n === 0;
          for (let i = 0; i < n; i++) {
            if (!this.fastSkipString()) yield* this.skipString();
          }
          return;
        }
        // Nodes are ziplists; Redis drops empty ones, and the key when no element is left.
        let elements = 0;
        for (let i = 0; i < n; i++) {
          if (!this.fastSkipBlob(BLOB_ZIPLIST)) yield* this.skipBlob(BLOB_ZIPLIST);
          elements += this.blobCount;
        }
        this.valueEmpty = elements === 0;
        return;
      }
      case T_HASH: {
        if (this.end - this.pos < 9) yield 9;
        const n = this.readLen();
        this.valueEmpty = n === 0;
        for (let i = 0; i < n; i++) {
          if (!this.fastSkipString()) yield* this.skipString();
          if (!this.fastSkipString()) yield* this.skipString();
        }
        return;
      }
      case T_ZSET: {
        // Member, then the score as a string prefixed by a length byte (253/254/255: nan/+inf/-inf).
        if (this.end - this.pos < 9) yield 9;
        const n = this.readLen();
        this.valueEmpty = n === 0;
        for (let i = 0; i < n; i++) {
          if (!this.fastSkipString()) yield* this.skipString();
          if (this.end - this.pos < 9) yield 9;
          const len = this.buf[this.pos++]!;
          if (len < 253) yield* this.skipBytes(len);
        }
        return;
      }
      case T_ZSET_2: {
        // Member, then the score as a binary double.
        if (this.end - this.pos < 9) yield 9;
        const n = this.readLen();
        this.valueEmpty = n === 0;
        for (let i = 0; i < n; i++) {
          if (!this.fastSkipString()) yield* this.skipString();
          if (this.end - this.pos < 8) yield 8;
          this.pos += 8;
        }
        return;
      }
      case T_LIST_QUICKLIST_2: {
        // Nodes: container (1 = plain, 2 = packed listpack), then the node as a string.
        if (this.end - this.pos < 9) yield 9;
        const n = this.readLen();
        let elements = 0;
        for (let i = 0; i < n; i++) {
          if (this.end - this.pos < 9) yield 9;
          const container = this.readLen();
          if (container !== 1 && container !== 2) throw this.corrupt(`invalid quicklist node container ${container}`);
          if (container === 1) {
            if (!this.fastSkipString()) yield* this.skipString();
            elements++;
          } else {
            if (!this.fastSkipBlob(BLOB_LISTPACK)) yield* this.skipBlob(BLOB_LISTPACK);
            elements += this.blobCount;
          }
        }
        this.valueEmpty = elements === 0;
        return;
      }
      case T_HASH_LISTPACK_EX: {
        // Minimum field expiration time (8 bytes), then the listpack.
        if (this.end - this.pos < 9) yield 9;
        this.pos += 8;
        if (!this.fastSkipBlob(BLOB_LISTPACK)) yield* this.skipBlob(BLOB_LISTPACK);
        this.valueEmpty = this.blobCount === 0;
        return;
      }
      case T_HASH_METADATA:
      case T_HASH_METADATA_PRE_GA: {
        // [min expire, 8 bytes, GA only] count, then per field: ttl (length), field, value.
        if (type === T_HASH_METADATA) {
          if (this.end - this.pos < 9) yield 9;
          this.pos += 8;
        }
        if (this.end - this.pos < 9) yield 9;
        const n = this.readLen();
        this.valueEmpty = n === 0;
        for (let i = 0; i < n; i++) {
          if (this.end - this.pos < 9) yield 9;
          this.readLen();
          if (!this.fastSkipString()) yield* this.skipString();
          if (!this.fastSkipString()) yield* this.skipString();
        }
        return;
      }
      case T_STREAM_LISTPACKS:
      case T_STREAM_LISTPACKS_2:
      case T_STREAM_LISTPACKS_3:
        yield* this.skipStream(type);
        return;
      case T_MODULE_2:
        if (this.end - this.pos < 9) yield 9;
        this.readLen(); // module id
        yield* this.skipModuleValue();
        return;
      case T_MODULE_PRE_GA:
        throw this.corrupt('module value in the pre-release 4.0 format (type 6) cannot be read without its module');
      default:
        throw this.corrupt(`unknown value type ${type}`);
    }
  }

  private *skipStream(type: number): Generator<number, void, undefined> {
    // Listpacks: master ID (a 16-byte string), then the listpack (a string).
    if (this.end - this.pos < 9) yield 9;
    const listpacks = this.readLen();
    for (let i = 0; i < listpacks; i++) {
      if (this.end - this.pos < 9) yield 9;
      if (this.buf[this.pos] !== 16) throw this.corrupt('stream node key is not a 16-byte stream id');
      yield* this.skipBytes(17);
      if (!this.fastSkipString()) yield* this.skipString();
    }
    // Length, last ID (ms, seq); v2+: first ID, max deleted ID, entries added.
    const fields = type >= T_STREAM_LISTPACKS_2 ? 8 : 3;
    for (let i = 0; i < fields; i++) {
      if (this.end - this.pos < 9) yield 9;
      this.readLen();
    }
    if (this.end - this.pos < 9) yield 9;
    const groups = this.readLen();
    for (let g = 0; g < groups; g++) {
      if (!this.fastSkipString()) yield* this.skipString(); // group name
      const idFields = type >= T_STREAM_LISTPACKS_2 ? 3 : 2; // last ID (ms, seq) [, entries read]
      for (let i = 0; i < idFields; i++) {
        if (this.end - this.pos < 9) yield 9;
        this.readLen();
      }
      // Global PEL: raw 16-byte ID, delivery time (8 bytes), delivery count (length).
      if (this.end - this.pos < 9) yield 9;
      const pel = this.readLen();
      for (let i = 0; i < pel; i++) {
        if (this.end - this.pos < 33) yield 33;
        this.pos += 24;
        this.readLen();
      }
      if (this.end - this.pos < 9) yield 9;
      const consumers = this.readLen();
      for (let c = 0; c < consumers; c++) {
        if (!this.fastSkipString()) yield* this.skipString(); // consumer name
        // Seen time; v3+: active time.
        const times = type >= T_STREAM_LISTPACKS_3 ? 16 : 8;
        if (this.end - this.pos < times + 9) yield times + 9;
        this.pos += times;
        const consumerPel = this.readLen();
        for (let i = 0; i < consumerPel; i++) {
          if (this.end - this.pos < 16) yield 16;
          this.pos += 16;
        }
      }
    }
  }

  /** Skips a module value serialized with opcodes (RDB_TYPE_MODULE_2, MODULE_AUX), through its EOF. */
  private *skipModuleValue(): Generator<number, void, undefined> {
    for (;;) {
      if (this.end - this.pos < 9) yield 9;
      const opcode = this.readLen();
      switch (opcode) {
        case MOD_EOF:
          return;
        case MOD_SINT:
        case MOD_UINT:
          if (this.end - this.pos < 9) yield 9;
          this.readLen();
          break;
        case MOD_FLOAT:
          if (this.end - this.pos < 4) yield 4;
          this.pos += 4;
          break;
        case MOD_DOUBLE:
          if (this.end - this.pos < 8) yield 8;
          this.pos += 8;
          break;
        case MOD_STRING:
          if (!this.fastSkipString()) yield* this.skipString();
          break;
        default:
          throw this.corrupt(`unknown module value opcode ${opcode}`);
      }
    }
  }
}

function parseAuxInt(value: string | undefined): number | null {
  if (value === undefined || !/^-?\d+$/.test(value)) return null;
  return Number(value);
}

/**
 * Reads a whole RDB file through RdbStreamReader (default chunks of 1 MiB). Errors: RDB_CORRUPT
 * (with `details.path`) for a bad file, storage errors (NOT_FOUND, STORAGE_*) for I/O failures.
 */
export async function readRdbFile(path: string, options: { chunkSize?: number } = {}): Promise<RdbSummary> {
  const chunkSize = options.chunkSize ?? 1 << 20;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new RedbackError('INTERNAL', `readRdbFile: invalid chunk size ${chunkSize}`);
  }
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    throw storageError(err, 'open', path);
  }
  try {
    const reader = new RdbStreamReader();
    // Two buffers: the next read runs (in libuv's thread pool) while the parser works on this one.
    let current = Buffer.allocUnsafe(chunkSize);
    let next = Buffer.allocUnsafe(chunkSize);
    let position = 0;
    const read = async (into: Buffer, at: number): Promise<number> => {
      try {
        return (await handle.read(into, 0, chunkSize, at)).bytesRead;
      } catch (err) {
        throw storageError(err, 'read', path);
      }
    };
    try {
      let pending = read(current, position);
      for (;;) {
        const bytesRead = await pending;
        if (bytesRead === 0) break;
        position += bytesRead;
        pending = read(next, position);
        try {
          reader.update(bytesRead === chunkSize ? current : current.subarray(0, bytesRead));
        } catch (err) {
          await pending.catch(() => 0); // do not leave a read running into a buffer we drop
          throw err;
        }
        [current, next] = [next, current];
      }
      return reader.finish();
    } catch (err) {
      if (err instanceof RedbackError && (err.code === 'RDB_CORRUPT' || err.code === 'RDB_UNSUPPORTED')) {
        throw new RedbackError(err.code, err.message, {
          hint: err.hint,
          cause: err,
          details: { ...(err.details ?? {}), path },
        });
      }
      throw err;
    }
  } finally {
    await handle.close();
  }
}
