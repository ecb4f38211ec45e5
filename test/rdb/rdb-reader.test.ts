import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedbackError } from '../../shared/errors/index.js';
import { crc64 } from '../../shared/rdb/crc64.js';
import { lzfDecompress } from '../../shared/rdb/lzf.js';
import { RdbStreamReader, readRdbFile } from '../../shared/rdb/rdb-reader.js';
import type { RdbSummary } from '../../shared/rdb/rdb-summary.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { fillEveryType, makeRdbFixture, pseudoRandomBytes, type ExpectedDb } from '../helpers/rdb-fixtures.js';

function feed(bytes: Uint8Array, chunkSize: number): RdbSummary {
  const reader = new RdbStreamReader();
  for (let off = 0; off < bytes.length; off += chunkSize) reader.update(bytes.subarray(off, off + chunkSize));
  return reader.finish();
}

/** Runs fn and returns the RedbackError it throws (fails the test if it throws nothing else). */
function rdbError(fn: () => unknown): RedbackError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RedbackError);
    return err as RedbackError;
  }
  throw new Error('expected a RedbackError, nothing was thrown');
}

function trailer(bytes: Uint8Array): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 8).getBigUint64(0, true);
}

describe('RdbStreamReader on files written by a real redis-server 7.0', () => {
  let every: Buffer;
  let expected: Record<number, ExpectedDb>;
  let keyspace: Record<number, { keys: number; expires: number }>;
  let noChecksum: Buffer;
  let lfu: Buffer;
  let lru: Buffer;
  let bigRandomOffset: number;
  let tmp: string;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'redback-rdb-test-'));
    const fixture = await makeRdbFixture({
      args: ['--enable-debug-command', 'yes'],
      fill: async (redis) => {
        expected = await fillEveryType(redis);
      },
    });
    every = fixture.bytes;
    keyspace = fixture.keyspace;
    // Where the 1.5 MB incompressible string sits in the file (to damage payload bytes only).
    bigRandomOffset = every.indexOf(pseudoRandomBytes(64, 7));
    noChecksum = (
      await makeRdbFixture({
        args: ['--rdbchecksum', 'no'],
        fill: async (redis) => {
          await redis.set('a', '1');
          await redis.set('b', 'two', 'EX', 1000);
        },
      })
    ).bytes;
    const fillSome = async (redis: import('ioredis').Redis): Promise<void> => {
      const p = redis.pipeline();
      for (let i = 0; i < 300; i++) p.set(`key:${i}`, `value:${i}`);
      p.hset('h', 'f', 'v');
      p.rpush('l', 'a', 'b');
      await p.exec();
    };
    lfu = (await makeRdbFixture({ args: ['--maxmemory-policy', 'allkeys-lfu'], fill: fillSome })).bytes;
    lru = (await makeRdbFixture({ args: ['--maxmemory-policy', 'allkeys-lru'], fill: fillSome })).bytes;
  }, 120_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('the fixture really contains every kind of value (sanity of the test itself)', () => {
    expect(every.length).toBeGreaterThan(1_500_000);
    expect(bigRandomOffset).toBeGreaterThan(0);
    expect(Object.keys(expected).map(Number).sort((a, b) => a - b)).toEqual([0, 3, 15]);
    expect(keyspace).toEqual(expected);
    // Redis's own checker agrees the file is sound.
    const path = join(tmp, 'every.rdb');
    writeFileSync(path, every);
    expect(execFileSync('redis-check-rdb', [path]).toString()).toMatch(/RDB looks OK/);
  });

  it('reads version, aux fields, key counts, expires and RESIZEDB hints', () => {
    const s = feed(every, every.length);
    expect(s.rdbVersion).toBe(10);
    expect(s.redisVersion).toBe('7.0.15');
    expect(s.aux['redis-ver']).toBe('7.0.15');
    expect(s.aux['redis-bits']).toBe('64');
    expect(s.ctime).toBeGreaterThan(1_600_000_000);
    expect(String(s.ctime)).toBe(s.aux['ctime']);
    expect(s.usedMem).toBeGreaterThan(100_000);
    expect(s.aofBase).toBe(false);
    expect(s.bytes).toBe(every.length);
    expect(Object.keys(s.databases).map(Number)).toEqual([0, 3, 15]);
    for (const [db, want] of Object.entries(expected)) {
      const got = s.databases[Number(db)]!;
      expect(got.keys, `db ${db} keys`).toBe(want.keys);
      expect(got.expires, `db ${db} expires`).toBe(want.expires);
      expect(got.resizeKeys, `db ${db} RESIZEDB keys`).toBe(want.keys);
      expect(got.resizeExpires, `db ${db} RESIZEDB expires`).toBe(want.expires);
    }
    expect(s.checksumDisabled).toBe(false);
    expect(s.storedChecksum).toBe(s.computedChecksum);
  });

  it("computes the same CRC as the trailer Redis wrote", () => {
    const stored = trailer(every);
    expect(stored).not.toBe(0n);
    expect(crc64(every.subarray(0, every.length - 8))).toBe(stored);
    expect(feed(every, 1 << 20).storedChecksum).toBe(stored);
  });

  it('gives the same summary whatever the chunk size (1 byte, 7 bytes, 64 KiB, odd sizes)', () => {
    const reference = feed(every, every.length);
    for (const size of [1, 7, 64 * 1024, 1000, 1 << 20]) {
      expect(feed(every, size), `chunk size ${size}`).toEqual(reference);
    }
  });

  it('gives the same summary with chunks of random sizes', () => {
    const reference = feed(every, every.length);
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    for (let round = 0; round < 3; round++) {
      const reader = new RdbStreamReader();
      let pos = 0;
      while (pos < every.length) {
        const size = random() < 0.5 ? 1 + Math.floor(random() * 30) : 1 + Math.floor(random() * 200_000);
        reader.update(every.subarray(pos, pos + size));
        pos += size;
      }
      expect(reader.finish()).toEqual(reference);
    }
  });

  it('does not keep the caller buffer: a reused read buffer gives the same result', () => {
    const reference = feed(every, every.length);
    const reader = new RdbStreamReader();
    const buffer = Buffer.alloc(4099); // a Buffer: Buffer#slice is a view, unlike Uint8Array#slice
    for (let off = 0; off < every.length; off += buffer.length) {
      const n = Math.min(buffer.length, every.length - off);
      buffer.set(every.subarray(off, off + n));
      reader.update(buffer.subarray(0, n));
      buffer.fill(0xee); // scribble over it: the reader must not look at it again
    }
    expect(reader.finish()).toEqual(reference);
  });

  it('reads the file from disk with readRdbFile', async () => {
    const path = join(tmp, 'dump.rdb');
    writeFileSync(path, every);
    const reference = feed(every, every.length);
    expect(await readRdbFile(path)).toEqual(reference);
    expect(await readRdbFile(path, { chunkSize: 4096 })).toEqual(reference);
    expect(await readRdbFile(path, { chunkSize: 1000 })).toEqual(reference);
    const small = join(tmp, 'small.rdb');
    writeFileSync(small, noChecksum);
    expect(await readRdbFile(small, { chunkSize: 3 })).toEqual(feed(noChecksum, noChecksum.length));
  });

  it('reports a missing file as NOT_FOUND and a bad one with its path', async () => {
    await expect(readRdbFile(join(tmp, 'nope.rdb'))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const path = join(tmp, 'bad.rdb');
    writeFileSync(path, every.subarray(0, 1000));
    await expect(readRdbFile(path)).rejects.toMatchObject({ code: 'RDB_CORRUPT', details: { path } });
  });

  it('a file written with rdbchecksum no has checksumDisabled: true (not an error)', () => {
    expect(trailer(noChecksum)).toBe(0n);
    const s = feed(noChecksum, 5);
    expect(s.checksumDisabled).toBe(true);
    expect(s.storedChecksum).toBe(0n);
    expect(s.computedChecksum).toBe(crc64(noChecksum.subarray(0, noChecksum.length - 8)));
    expect(s.databases[0]).toEqual({ keys: 2, expires: 1, emptyKeys: 0, hashesWithFieldTtl: 0, resizeKeys: 2, resizeExpires: 1 });
  });

  it('skips LFU (FREQ) and LRU (IDLE) records', () => {
    for (const bytes of [lfu, lru]) {
      const s = feed(bytes, 7);
      expect(s.databases[0]).toEqual({ keys: 302, expires: 0, emptyKeys: 0, hashesWithFieldTtl: 0, resizeKeys: 302, resizeExpires: 0 });
      expect(s.storedChecksum).toBe(s.computedChecksum);
    }
    expect(lfu.includes(Buffer.from([0xf9]))).toBe(true);
  });

  it('a flipped byte inside a value gives a checksum mismatch', () => {
    const damaged = Buffer.from(every);
    const at = bigRandomOffset + 1000;
    damaged[at] = damaged[at]! ^ 0x40;
    const err = rdbError(() => feed(damaged, 65536));
    expect(err.code).toBe('RDB_CORRUPT');
    expect(err.message).toMatch(/^rdb checksum mismatch: stored 0x[0-9a-f]{16}, computed 0x[0-9a-f]{16}$/);
    expect(err.hint).toBeTruthy();
  });

  it('a flipped byte anywhere in the middle is caught (checksum or format error)', () => {
    let seed = 99;
    for (let i = 0; i < 40; i++) {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      const at = 9 + (seed % (every.length - 17));
      const damaged = Buffer.from(every);
      damaged[at] = damaged[at]! ^ (1 << (i % 8));
      const err = rdbError(() => feed(damaged, 65536));
      expect(err.code, `flip at ${at}`).toBe('RDB_CORRUPT');
      expect(err.message).toMatch(/checksum mismatch|corrupt|truncated|after the checksum/);
      expect(err.message).toBe(err.message.toLowerCase());
    }
  });

  it('a truncated file is reported as truncated, at many offsets', () => {
    const offsets = [5, 9, 10, 20, 81, 100, 182, 183, 1000, bigRandomOffset + 10, Math.floor(every.length / 2), every.length - 100, every.length - 9, every.length - 8, every.length - 1];
    for (const length of offsets) {
      const err = rdbError(() => feed(every.subarray(0, length), 4096));
      expect(err.code, `truncated to ${length}`).toBe('RDB_CORRUPT');
      expect(err.message).toMatch(new RegExp(`^rdb file is truncated \\(ended inside .+ at offset ${length}\\)$`));
    }
    expect(rdbError(() => feed(every.subarray(0, every.length - 8), 4096)).message).toMatch(/inside the checksum trailer/);
    expect(rdbError(() => feed(every.subarray(0, bigRandomOffset + 10), 4096)).message).toMatch(/inside a string value/);
  });

  it('garbage after the trailer is an error', () => {
    const withGarbage = Buffer.concat([every, Buffer.from('garbage')]);
    const err = rdbError(() => feed(withGarbage, 65536));
    expect(err.code).toBe('RDB_CORRUPT');
    expect(err.message).toMatch(/unexpected data after the checksum trailer/);
    // Also when the garbage comes as a separate chunk, and one byte at a time.
    const reader = new RdbStreamReader();
    reader.update(every);
    expect(rdbError(() => reader.update(Buffer.from([0]))).message).toMatch(/after the checksum trailer/);
    expect(rdbError(() => feed(Buffer.concat([noChecksum, Buffer.from([0])]), 1)).code).toBe('RDB_CORRUPT');
  });

  it('something that is not an rdb file is RDB_CORRUPT "not an rdb file"', () => {
    const samples = [
      Buffer.from('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nset\r\n$1\r\na\r\n$1\r\nb\r\n'), // an AOF
      Buffer.from('hello'),
      Buffer.from('REDISabcd and more bytes here'),
      Buffer.alloc(0),
      pseudoRandomBytes(10_000, 3),
    ];
    for (const sample of samples) {
      for (const size of [1, 4096]) {
        const err = rdbError(() => feed(sample, size));
        expect(err.code).toBe('RDB_CORRUPT');
        expect(err.message).toMatch(/^not an rdb file/);
      }
    }
  });

  it('a version newer than 12 is refused with a hint', () => {
    const newer = Buffer.from(every);
    newer.write('0013', 5, 'latin1');
    const err = rdbError(() => feed(newer, 65536));
    expect(err.code).toBe('RDB_UNSUPPORTED');
    expect(err.message).toMatch(/rdb version 13 is newer than redback reads .*not damaged/);
    expect(err.hint).toMatch(/newer/);
    expect(err.hint).not.toMatch(/redis-check-rdb/);
  });

  it('throws from update() as soon as the format is wrong, and keeps failing', () => {
    const damaged = Buffer.from(every);
    // The first record after the header is an AUX opcode (0xfa); make it an unknown record type.
    expect(damaged[9]).toBe(0xfa);
    damaged[9] = 0xf0;
    const reader = new RdbStreamReader();
    const err = rdbError(() => reader.update(damaged.subarray(0, 100)));
    expect(err.message).toBe('rdb is corrupt at offset 9: unknown record type 240 (0xf0)');
    expect(rdbError(() => reader.finish())).toBe(err);
  });
});

// -------------------------------------------------------------------------------------------------
// Synthetic files: the record and value types Redis 7.0 cannot write (7.2/7.4 types, modules, old
// encodings), built byte by byte with a CRC computed independently.
// -------------------------------------------------------------------------------------------------

class RdbWriter {
  private readonly bytes: number[] = [];

  raw(...values: (number | Uint8Array | string)[]): this {
    for (const v of values) {
      if (typeof v === 'number') this.bytes.push(v & 0xff);
      else if (typeof v === 'string') for (const b of Buffer.from(v, 'latin1')) this.bytes.push(b);
      else for (const b of v) this.bytes.push(b);
    }
    return this;
  }

  len(n: number | bigint, width?: 6 | 14 | 32 | 64): this {
    const v = BigInt(n);
    const w = width ?? (v < 64n ? 6 : v < 16384n ? 14 : v <= 0xffffffffn ? 32 : 64);
    if (w === 6) return this.raw(Number(v));
    if (w === 14) return this.raw(0x40 | Number(v >> 8n), Number(v & 0xffn));
    if (w === 32) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(Number(v));
      return this.raw(0x80, b);
    }
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(v);
    return this.raw(0x81, b);
  }

  str(s: string | Uint8Array, width?: 6 | 14 | 32 | 64): this {
    const b = typeof s === 'string' ? Buffer.from(s, 'utf8') : s;
    return this.len(b.length, width).raw(b);
  }

  int8(v: number): this {
    return this.raw(0xc0, v & 0xff);
  }

  int16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16LE(v);
    return this.raw(0xc1, b);
  }

  int32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    return this.raw(0xc2, b);
  }

  lzf(compressed: Uint8Array, originalLength: number): this {
    return this.raw(0xc3).len(compressed.length).len(originalLength).raw(compressed);
  }

  u64le(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(v);
    return this.raw(b);
  }

  get length(): number {
    return this.bytes.length;
  }

  /** Appends EOF and the CRC (or 8 zero bytes). */
  end(checksum = true): Buffer {
    this.raw(0xff);
    const body = Buffer.from(this.bytes);
    const trailer = Buffer.alloc(8);
    if (checksum) trailer.writeBigUInt64LE(crc64(body));
    return Buffer.concat([body, trailer]);
  }
}

/** Encoded blobs with real headers (element count, size) and filler bytes the reader never decodes. */
function blob(kind: 'zipmap' | 'ziplist' | 'intset' | 'listpack', elements: number, filler = 40): Buffer {
  const body = pseudoRandomBytes(filler, elements + filler);
  if (kind === 'zipmap') return Buffer.concat([Buffer.from([elements]), body, Buffer.from([0xff])]);
  if (kind === 'intset') {
    const b = Buffer.alloc(8 + 2 * elements);
    b.writeUInt32LE(2, 0);
    b.writeUInt32LE(elements, 4);
    return b;
  }
  const headerSize = kind === 'ziplist' ? 10 : 6;
  const b = Buffer.concat([Buffer.alloc(headerSize), body, Buffer.from([0xff])]);
  b.writeUInt32LE(b.length, 0);
  if (kind === 'ziplist') b.writeUInt16LE(elements, 8);
  else b.writeUInt16LE(elements, 4);
  return b;
}

/** "abc" x 8 as LZF: a 3-byte literal run, then a 21-byte back reference at distance 3. */
const LZF_ABC = Uint8Array.from([0x02, 0x61, 0x62, 0x63, 0xe0, 12, 2]);
/** A 24-byte listpack of 2 elements as LZF: header (24, 0, 0, 0, 2, 0) literal, 17 zero bytes by reference, 0xff. */
const LZF_LISTPACK = Uint8Array.from([0x05, 24, 0, 0, 0, 2, 0, 0xe0, 8, 0, 0x00, 0xff]);

function synthetic(version = 12): { bytes: Buffer; db0Keys: number; db0Expires: number } {
  const w = new RdbWriter().raw(`REDIS${String(version).padStart(4, '0')}`);
  // AUX fields, with every string encoding.
  w.raw(0xfa).str('redis-ver').str('7.4.1');
  w.raw(0xfa).str('redis-bits').int8(64);
  w.raw(0xfa).str('ctime').int32(1_700_000_000);
  w.raw(0xfa).str('used-mem').int32(123_456_789);
  w.raw(0xfa).str('small-negative').int16(-300);
  w.raw(0xfa).str('aof-base').int8(1);
  w.raw(0xfa).str('compressed').lzf(LZF_ABC, 24);
  w.raw(0xfa).str('long', 14).str('y'.repeat(100), 32);
  // Module AUX data: module id, 'when' opcode (UINT) and value, then an opcode stream.
  w.raw(0xf7).len(0x1234567890abcn, 64).len(2).len(2);
  w.len(1).len(5).len(2).len(70000).len(3).raw(0, 0, 0x80, 0x3f).len(4).u64le(0x3ff0000000000000n).len(5).str('module string').len(0);
  // A function library.
  w.raw(0xf5).str("#!lua name=lib\nredis.register_function('f', function() return 1 end)");
  // Database 0 with RESIZEDB and cluster slot info.
  w.raw(0xfe).len(0);
  w.raw(0xfb).len(28).len(2);
  w.raw(0xf4).len(1234).len(28).len(2);
  let keys = 0;
  let expires = 0;
  const key = (name: string): RdbWriter => {
    keys++;
    return w.str(name);
  };
  // Strings, with expires in ms and (old) seconds, LFU and LRU records.
  w.raw(0xfc).u64le(1_900_000_000_000n).raw(0);
  key('s1').str('value');
  expires++;
  w.raw(0xfd).raw(0x00, 0x10, 0x00, 0x70).raw(0);
  key('s2').int32(-5);
  expires++;
  w.raw(0xf9, 5).raw(0);
  key('s3').lzf(LZF_ABC, 24);
  w.raw(0xf8).len(100000).raw(0);
  w.int16(4242); // an int-encoded key name
  keys++;
  w.int8(1);
  w.raw(0);
  key('s-64bit-len').str('sixty-four', 64);
  // Old and blob-encoded types (contents are opaque blobs to the reader).
  const blobKind = { 9: 'zipmap', 10: 'ziplist', 11: 'intset', 12: 'ziplist', 13: 'ziplist', 16: 'listpack', 17: 'listpack', 20: 'listpack', 23: 'listpack' } as const;
  for (const [type, kind] of Object.entries(blobKind)) {
    w.raw(Number(type));
    key(`blob-${type}`).str(blob(kind, 2 + Number(type), 50 + Number(type)));
  }
  // LIST (1) and SET (2): count + strings.
  w.raw(1);
  key('list-v1').len(3).str('a').str('b'.repeat(300), 32).int8(7);
  w.raw(2);
  key('set-v1').len(2).str('m1').lzf(LZF_ABC, 24);
  // ZSET (3): member + score as a length-prefixed string; 253/254/255 are nan/+inf/-inf.
  w.raw(3);
  key('zset-v1').len(4).str('a').raw(3).raw('1.5').str('b').raw(253).str('c').raw(254).str('d').raw(255);
  // HASH (4).
  w.raw(4);
  key('hash-v1').len(2).str('f1').str('v1').str('f2').lzf(LZF_ABC, 24);
  // ZSET_2 (5): member + binary double.
  w.raw(5);
  key('zset-2').len(2).str('x').u64le(0x3ff0000000000000n).str('y').u64le(0x4000000000000000n);
  // LIST_QUICKLIST (14): nodes are ziplist strings.
  w.raw(14);
  key('quicklist-v1').len(2).str(blob('ziplist', 0, 1)).str(blob('ziplist', 3, 41));
  // LIST_QUICKLIST_2 (18): container (2 = packed, 1 = plain) + node.
  w.raw(18);
  key('quicklist-v2').len(3).len(2).str(blob('listpack', 4, 30)).len(1).str('p'.repeat(2000)).len(2).lzf(LZF_LISTPACK, 24);
  // STREAM_LISTPACKS (15), v1: no first/max-deleted/entries-added, group without entries-read.
  w.raw(15);
  key('stream-v1').len(1).str(pseudoRandomBytes(16, 4)).str(pseudoRandomBytes(100, 5));
  w.len(10).len(1_700_000_000_000).len(0);
  w.len(1).str('g').len(1_700_000_000_000).len(0);
  w.len(1).raw(pseudoRandomBytes(16, 6)).u64le(1_700_000_000_000n).len(1);
  w.len(1).str('consumer').u64le(1_700_000_000_000n).len(1).raw(pseudoRandomBytes(16, 6));
  // STREAM_LISTPACKS_2 (19) and _3 (21).
  for (const type of [19, 21]) {
    w.raw(type);
    key(`stream-${type}`).len(2);
    w.str(pseudoRandomBytes(16, 7)).str(pseudoRandomBytes(200, 8));
    w.str(pseudoRandomBytes(16, 9)).str(pseudoRandomBytes(3000, 10));
    w.len(50).len(0xffffffffffffn, 64).len(3).len(1).len(0).len(0).len(0).len(55);
    w.len(2);
    for (const g of ['g1', 'g2']) {
      w.str(g).len(1_700_000_000_000).len(5).len(40);
      w.len(2);
      for (let i = 0; i < 2; i++) w.raw(pseudoRandomBytes(16, 20 + i)).u64le(1_700_000_000_000n).len(300);
      w.len(2);
      for (const c of ['alice', 'bob']) {
        w.str(c).u64le(1_700_000_000_000n);
        if (type === 21) w.u64le(1_700_000_000_001n);
        w.len(1).raw(pseudoRandomBytes(16, 30));
      }
    }
  }
  // HASH_METADATA_PRE_GA (22): count, then ttl (absolute, as a length), field, value.
  w.raw(22);
  key('hfe-pre-ga').len(2).len(0).str('f1').str('v1').len(1_800_000_000_000n, 64).str('f2').int8(3);
  // HASH_METADATA (24): min expire (8 bytes), count, then relative ttl, field, value.
  w.raw(24);
  key('hfe').u64le(1_800_000_000_000n).len(3).len(0).str('a').str('1').len(1).str('b').str('2').len(500).str('c').lzf(LZF_ABC, 24);
  // HASH_LISTPACK_EX (25): min expire (8 bytes), then the listpack.
  w.raw(25);
  key('hfe-listpack').u64le(1_800_000_000_000n).str(blob('listpack', 6, 80));
  // MODULE_2 (7): module id, then opcodes through EOF.
  w.raw(7);
  key('module-value').len(0xabcdef0123n, 64).len(2).len(99).len(5).str('x'.repeat(70)).len(3).raw(1, 2, 3, 4).len(0);
  // Database 7: no RESIZEDB record, one key with an expire.
  w.raw(0xfe).len(7);
  w.raw(0xfc).u64le(1_900_000_000_000n).raw(0);
  w.str('k7').str('v7');
  return { bytes: w.end(), db0Keys: keys, db0Expires: expires };
}

describe('RdbStreamReader on synthetic files (7.2/7.4 types, modules, old encodings)', () => {
  const { bytes, db0Keys, db0Expires } = synthetic();

  it('walks every record and value type', () => {
    const s = feed(bytes, bytes.length);
    expect(db0Keys).toBe(28); // the RESIZEDB hint written above
    expect(s.rdbVersion).toBe(12);
    expect(s.redisVersion).toBe('7.4.1');
    expect(s.aux).toEqual({
      'redis-ver': '7.4.1',
      'redis-bits': '64',
      ctime: '1700000000',
      'used-mem': '123456789',
      'small-negative': '-300',
      'aof-base': '1',
      compressed: 'abc'.repeat(8),
      long: 'y'.repeat(100),
    });
    expect(s.ctime).toBe(1_700_000_000);
    expect(s.usedMem).toBe(123_456_789);
    expect(s.aofBase).toBe(true);
    expect(s.databases).toEqual({
      0: { keys: db0Keys, expires: db0Expires, emptyKeys: 0, hashesWithFieldTtl: 4, resizeKeys: 28, resizeExpires: 2 },
      7: { keys: 1, expires: 1, emptyKeys: 0, hashesWithFieldTtl: 0, resizeKeys: null, resizeExpires: null },
    });
    expect(s.storedChecksum).toBe(s.computedChecksum);
    expect(s.checksumDisabled).toBe(false);
  });

  it('gives the same summary for every split into two chunks and for every small chunk size', () => {
    const reference = feed(bytes, bytes.length);
    for (let split = 0; split <= bytes.length; split++) {
      const reader = new RdbStreamReader();
      reader.update(bytes.subarray(0, split));
      reader.update(bytes.subarray(split));
      expect(reader.finish(), `split at ${split}`).toEqual(reference);
    }
    for (let size = 1; size <= 64; size++) expect(feed(bytes, size), `chunk size ${size}`).toEqual(reference);
  });

  it('reports truncation at every offset', () => {
    for (let length = 0; length < bytes.length; length++) {
      const err = rdbError(() => feed(bytes.subarray(0, length), length % 37 === 0 ? 3 : Math.max(length, 1)));
      expect(err.code).toBe('RDB_CORRUPT');
      if (length === 0) expect(err.message).toMatch(/^not an rdb file/);
      else expect(err.message, `length ${length}`).toMatch(/^rdb file is truncated \(ended inside .+ at offset \d+\)$/);
    }
  });

  it('accepts a synthetic file without checksum, refuses a wrong one', () => {
    const body = bytes.subarray(0, bytes.length - 8);
    const disabled = feed(Buffer.concat([body, Buffer.alloc(8)]), 100);
    expect(disabled.checksumDisabled).toBe(true);
    const wrong = Buffer.concat([body, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8])]);
    expect(rdbError(() => feed(wrong, 100)).message).toBe(
      `rdb checksum mismatch: stored 0x0807060504030201, computed 0x${crc64(body).toString(16).padStart(16, '0')}`,
    );
  });

  it('rejects unknown value types, pre-release formats and bad encodings', () => {
    const cases: Array<[(w: RdbWriter) => void, RegExp]> = [
      [(w) => w.raw(8).str('k').str('v'), /unknown value type 8/],
      [(w) => w.raw(0xf0), /unknown record type 240/],
      [(w) => w.raw(6).str('k').len(1), /pre-release 4\.0 format/],
      [(w) => w.raw(0).str('k').raw(0xc4), /unknown string encoding 4/],
      [(w) => w.raw(1).str('k').raw(0x82), /invalid length encoding 0x82/],
      [(w) => w.raw(18).str('k').len(1).len(3).str('x'), /invalid quicklist node container 3/],
      [(w) => w.raw(7).str('k').len(1).len(9), /unknown module value opcode 9/],
      [(w) => w.raw(0xf7).len(1).len(1).len(2), /bad 'when' opcode/],
      [(w) => w.raw(15).str('k').len(1).str('short'), /16-byte stream id/],
      [(w) => w.raw(0xfa).str('k').lzf(Uint8Array.from([0xe0, 0, 5]), 10), /invalid lzf-compressed string/],
    ];
    for (const [build, pattern] of cases) {
      const w = new RdbWriter().raw('REDIS0011');
      build(w);
      const file = w.end();
      const err = rdbError(() => feed(file, 1));
      expect(err.code).toBe('RDB_CORRUPT');
      expect(err.message).toMatch(/^rdb is corrupt at offset \d+: /);
      expect(err.message).toMatch(pattern);
      expect(rdbError(() => feed(file, file.length)).message).toBe(err.message);
    }
  });

  it('refuses versions it cannot check, and Valkey files, as RDB_UNSUPPORTED saying exactly that', () => {
    for (const v of ['0002', '0003', '0004']) {
      const err = rdbError(() => feed(new RdbWriter().raw(`REDIS${v}`).end(), 100));
      expect(err.code).toBe('RDB_UNSUPPORTED');
      expect(err.message).toMatch(new RegExp(`rdb version ${Number(v)} is too old`));
    }
    expect(rdbError(() => feed(new RdbWriter().raw('REDIS0099').end(), 100)).message).toMatch(/rdb version 99 is newer/);
    const valkey = rdbError(() => feed(new RdbWriter().raw('VALKEY080').raw(0xfa).str('valkey-ver').str('9.0.0').end(), 1));
    expect(valkey.code).toBe('RDB_UNSUPPORTED');
    expect(valkey.message).toBe('the file is a Valkey RDB (magic VALKEY080), not a Redis one: Redis cannot load it');
    expect(valkey.hint).toMatch(/Valkey/);
  });

  it('does not count keys with no elements (Redis skips them on load), in every encoding', () => {
    const w = new RdbWriter().raw('REDIS0012');
    w.raw(0xfe).len(0).raw(0xfb).len(20).len(2);
    w.raw(1).str('list').len(0);
    w.raw(2).str('set').len(0);
    w.raw(3).str('zset').len(0);
    w.raw(4).str('hash').len(0);
    w.raw(5).str('zset2').len(0);
    w.raw(0xfc).u64le(1_900_000_000_000n); // an expire on an empty key: not counted either
    w.raw(9).str('zipmap').str(blob('zipmap', 0, 0));
    w.raw(10).str('ziplist-list').str(blob('ziplist', 0, 0));
    w.raw(11).str('intset').str(blob('intset', 0));
    w.raw(12).str('ziplist-zset').str(blob('ziplist', 0, 0));
    w.raw(13).str('ziplist-hash').str(blob('ziplist', 0, 0));
    w.raw(14).str('quicklist-of-empties').len(2).str(blob('ziplist', 0, 0)).str(blob('ziplist', 0, 0));
    w.raw(14).str('quicklist-no-nodes').len(0);
    w.raw(16).str('listpack-hash').str(blob('listpack', 0, 0));
    w.raw(17).str('listpack-zset').str(blob('listpack', 0, 0));
    w.raw(18).str('quicklist2').len(1).len(2).str(blob('listpack', 0, 0));
    w.raw(20).str('listpack-set').str(blob('listpack', 0, 0));
    w.raw(24).str('hfe').u64le(1n).len(0);
    w.raw(25).str('hfe-lp').u64le(1n).str(blob('listpack', 0, 0));
    w.raw(0xfc).u64le(1_900_000_000_000n);
    w.raw(0).str('real').str('value');
    w.raw(18).str('plain-node').len(2).len(2).str(blob('listpack', 0, 0)).len(1).str('x'.repeat(10));
    const s = feed(w.end(), 3);
    expect(s.databases[0]).toEqual({ keys: 2, expires: 1, emptyKeys: 18, hashesWithFieldTtl: 0, resizeKeys: 20, resizeExpires: 2 });
  });

  it('counts hashes with field expirations (RDB 12) and reads compressed blob headers', () => {
    const w = new RdbWriter().raw('REDIS0012').raw(0xfe).len(2);
    w.raw(25).str('a').u64le(1_800_000_000_000n).str(blob('listpack', 3));
    w.raw(24).str('b').u64le(1_800_000_000_000n).len(1).len(1).str('f').str('v');
    w.raw(22).str('c').len(1).len(0).str('f').str('v');
    w.raw(16).str('d').lzf(LZF_LISTPACK, 24);
    expect(feed(w.end(), 1).databases[2]).toMatchObject({ keys: 4, hashesWithFieldTtl: 3, emptyKeys: 0 });
  });

  it('reads the 7.0 pre-release function format (opcode 246), which redis-server 7.0 loads', async () => {
    const w = new RdbWriter().raw('REDIS0010');
    w.raw(0xfa).str('redis-ver').str('7.0.0');
    // name, engine, has-description, description, code (7.0 rc1/rc2).
    w.raw(0xf6).str('mylib').str('LUA').len(1).str('a library').str("redis.register_function('hello', function() return 'hi' end)");
    w.raw(0xf6).str('other').str('LUA').len(0).str("redis.register_function('bye', function() return 'bye' end)");
    w.raw(0xfe).len(0).raw(0).str('k').str('v');
    const file = w.end();
    const s = feed(file, 1);
    expect(s.functions).toBe(2);
    expect(s.preReleaseFunctions).toBe(2);
    expect(s.databases[0]).toMatchObject({ keys: 1 });
    // A real redis-server 7.0 loads the same file and has both libraries.
    const dir = mkdtempSync(join(tmpdir(), 'redback-rdb-func-'));
    writeFileSync(join(dir, 'dump.rdb'), file);
    const server = await TestRedisServer.start({ dir });
    try {
      const redis = server.client();
      expect(await redis.call('FCALL', 'hello', '0')).toBe('hi');
      expect(await redis.call('FCALL', 'bye', '0')).toBe('bye');
      expect(await redis.dbsize()).toBe(1);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('refuses blobs whose header disagrees with their size (Redis refuses them too)', () => {
    const bad = blob('listpack', 2);
    bad.writeUInt32LE(bad.length + 1, 0);
    const cases: Array<[(w: RdbWriter) => void, RegExp]> = [
      [(w) => w.raw(16).str('k').str(bad), /listpack header says/],
      [(w) => w.raw(13).str('k').str(bad), /ziplist header says/],
      [(w) => w.raw(11).str('k').str(Buffer.from([3, 0, 0, 0, 1, 0, 0, 0, 9, 9, 9])), /intset header/],
      [(w) => w.raw(16).str('k').str(Buffer.from([1, 0])), /shorter than its header/],
      [(w) => w.raw(16).str('k').int8(5), /stored as an integer/],
    ];
    for (const [build, pattern] of cases) {
      const w = new RdbWriter().raw('REDIS0011');
      build(w);
      const file = w.end();
      for (const size of [1, file.length]) {
        const err = rdbError(() => feed(file, size));
        expect(err.code).toBe('RDB_CORRUPT');
        expect(err.message).toMatch(pattern);
      }
    }
  });
});

describe('lzfDecompress', () => {
  it('decodes literal runs and overlapping back references, rejects bad input', () => {
    expect(Buffer.from(lzfDecompress(LZF_ABC, 24)!).toString()).toBe('abc'.repeat(8));
    expect(lzfDecompress(LZF_ABC, 23)).toBeNull();
    expect(lzfDecompress(Uint8Array.from([0x05, 1, 2]), 6)).toBeNull(); // literal run past the end
    expect(lzfDecompress(Uint8Array.from([0x20, 0x05]), 3)).toBeNull(); // reference before the start
    expect(lzfDecompress(new Uint8Array(0), 0)).toEqual(new Uint8Array(0));
  });
});
