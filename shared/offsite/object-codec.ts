import { createCipheriv, createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { PassThrough, Transform, type Readable, type TransformCallback } from 'node:stream';
import { CompressStream, DecompressStream } from 'zstd-napi';
import { RedbackError } from '../errors/index.js';

/**
 * How one object of an offsite set is turned into stored bytes and back:
 *
 *   encode: plaintext → [SHA-256, size] → zstd (optional) → AES-256-GCM segments (optional) → [SHA-256, size] → store
 *   decode: stored → [SHA-256, size] → GCM segments checked and opened → zstd → [SHA-256, size] → file
 *
 * zstd compresses on one native worker thread (`nbWorkers: 1`), so this thread stays free for the
 * hashes, the encryption and the upload's network I/O.
 *
 * Encrypted objects are framed (memory stays at one segment whatever the object size):
 *
 *   "RBE1" then segments: u32 BE (bit 31 = final, bits 0..30 = ciphertext length) ‖ nonce(12) ‖ ciphertext ‖ tag(16)
 *
 * Each segment has its own random nonce; its additional data binds the object key, the segment
 * index and the final flag, so reordered, dropped, swapped-between-objects or truncated segments
 * fail authentication (a stream that ends without its final segment is truncated). Decoding
 * checks, before the stream ends, the stored and plaintext sizes and SHA-256 against `expected`.
 */

export const SEGMENT_BYTES_DEFAULT = 1024 * 1024;
const MAGIC = Buffer.from('RBE1');
const FINAL_BIT = 0x80000000;
const MAX_SEGMENT = 0x7fffffff;

export type Compression = 'zstd' | 'none';

export interface ObjectDigests {
  plainBytes: number;
  plainSha256: string;
  storedBytes: number;
  storedSha256: string;
}

export interface EncodeOptions {
  /** The object's key within its set (bound into every segment's additional data). */
  objectKey: string;
  compression: Compression;
  /** zstd level (default 3). */
  level?: number;
  /** The set's data key: encrypts when given. */
  dataKey?: Buffer | null;
  segmentBytes?: number;
}

export interface DecodeOptions {
  objectKey: string;
  compression: Compression;
  dataKey?: Buffer | null;
  /** What the manifest says; any mismatch fails the stream with VERIFY_FAILED before it ends. */
  expected?: Partial<ObjectDigests>;
  /** Names the object in error messages. */
  label?: string;
}

export interface CodedStream {
  /** The bytes to consume (stored bytes for encode, plaintext for decode). */
  stream: Readable;
  /** Sizes and hashes, complete once `stream` has ended. */
  digests(): ObjectDigests;
}

export function encodeObject(source: Readable, options: EncodeOptions): CodedStream {
  const plain = new HashingTransform();
  const stored = new HashingTransform();
  const stages: Array<NodeJS.ReadWriteStream> = [plain];
  if (options.compression === 'zstd') stages.push(new CompressStream({ compressionLevel: options.level ?? 3, checksumFlag: true, nbWorkers: 1 }));
  if (options.dataKey) stages.push(new SegmentEncryptor(options.dataKey, options.objectKey, options.segmentBytes ?? SEGMENT_BYTES_DEFAULT));
  stages.push(stored);
  const out = chain(source, stages, (err) => err);
  return { stream: out, digests: () => ({ plainBytes: plain.bytes, plainSha256: plain.hex(), storedBytes: stored.bytes, storedSha256: stored.hex() }) };
}

export function decodeObject(source: Readable, options: DecodeOptions): CodedStream {
  const label = options.label ?? options.objectKey;
  const stored = new HashingTransform();
  const plain = new HashingTransform(() => {
    const e = options.expected ?? {};
    const problems: string[] = [];
    if (e.storedBytes !== undefined && stored.bytes !== e.storedBytes) problems.push(`stored size ${stored.bytes}, manifest ${e.storedBytes}`);
    if (e.storedSha256 !== undefined && stored.hex() !== e.storedSha256) problems.push(`stored sha256 ${stored.hex().slice(0, 16)}… differs from the manifest's ${e.storedSha256.slice(0, 16)}…`);
    if (e.plainBytes !== undefined && plain.bytes !== e.plainBytes) problems.push(`size ${plain.bytes}, manifest ${e.plainBytes}`);
    if (e.plainSha256 !== undefined && plain.hex() !== e.plainSha256) problems.push(`sha256 ${plain.hex().slice(0, 16)}… differs from the manifest's ${e.plainSha256.slice(0, 16)}…`);
    return problems.length ? verifyFailed(label, problems.join('; ')) : null;
  });
  const stages: Array<NodeJS.ReadWriteStream> = [stored];
  if (options.dataKey) stages.push(new SegmentDecryptor(options.dataKey, options.objectKey, label));
  if (options.compression === 'zstd') stages.push(new DecompressStream());
  stages.push(plain);
  const out = chain(source, stages, (err) => (err instanceof RedbackError ? err : verifyFailed(label, `cannot decode: ${(err as Error).message}`)));
  return { stream: out, digests: () => ({ plainBytes: plain.bytes, plainSha256: plain.hex(), storedBytes: stored.bytes, storedSha256: stored.hex() }) };
}

function verifyFailed(label: string, why: string): RedbackError {
  return new RedbackError('VERIFY_FAILED', `offsite object ${label} failed verification: ${why}`, {
    hint: 'the stored object is damaged or not the one the manifest describes; use another set (redback agent offsite-list)',
  });
}

/**
 * source → stages → a PassThrough the caller reads. The first error of any stage (or of the
 * source) destroys every stage and fails `out` with the mapped error; destroying `out` (the
 * consumer gave up) tears the chain down too.
 */
function chain(source: Readable, stages: NodeJS.ReadWriteStream[], mapError: (err: unknown) => unknown): Readable {
  const out = new PassThrough({ highWaterMark: 1024 * 1024 });
  const all = [source, ...stages] as Array<Readable & NodeJS.ReadWriteStream>;
  let failed = false;
  const fail = (err: unknown) => {
    if (failed) return;
    failed = true;
    for (const s of all) if (!s.destroyed) s.destroy();
    if (!out.destroyed) out.destroy(mapError(err) as Error);
  };
  for (let i = 0; i < all.length; i++) {
    all[i]!.on('error', fail);
    all[i]!.pipe((i + 1 < all.length ? all[i + 1]! : out) as NodeJS.WritableStream);
  }
  out.on('close', () => {
    if (!out.writableFinished && !failed) {
      failed = true;
      for (const s of all) if (!s.destroyed) s.destroy();
    }
  });
  return out;
}

/** Passes bytes through, counting them and hashing them; `check` runs at the end and may fail the stream. */
class HashingTransform extends Transform {
  bytes = 0;
  private readonly hash: Hash = createHash('sha256');
  private digest: string | null = null;

  constructor(private readonly check?: () => Error | null) {
    super({ highWaterMark: 1024 * 1024 });
  }

  hex(): string {
    return (this.digest ??= this.hash.digest('hex'));
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.hex();
    done(this.check?.() ?? null);
  }
}

function segmentAad(objectKey: string, index: number, final: boolean): Buffer {
  const head = Buffer.from(`redback.seg/v1\0${objectKey}\0`);
  const tail = Buffer.alloc(9);
  tail.writeBigUInt64BE(BigInt(index), 0);
  tail[8] = final ? 1 : 0;
  return Buffer.concat([head, tail]);
}

/** Plaintext in, "RBE1" + sealed segments out. Holds one full segment back to know which is final. */
class SegmentEncryptor extends Transform {
  private buffer: Buffer[] = [];
  private buffered = 0;
  private pending: Buffer | null = null;
  private index = 0;

  constructor(
    private readonly key: Buffer,
    private readonly objectKey: string,
    private readonly segmentBytes: number,
  ) {
    super();
    if (segmentBytes <= 0 || segmentBytes > MAX_SEGMENT - 16) throw new RedbackError('INTERNAL', `bad segment size ${segmentBytes}`);
    this.push(MAGIC);
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.segmentBytes - this.buffered, chunk.length - offset);
      this.buffer.push(chunk.subarray(offset, offset + take));
      this.buffered += take;
      offset += take;
      if (this.buffered === this.segmentBytes) {
        if (this.pending) this.push(this.seal(this.pending, false));
        this.pending = Buffer.concat(this.buffer, this.buffered);
        this.buffer = [];
        this.buffered = 0;
      }
    }
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.buffered > 0) {
      if (this.pending) this.push(this.seal(this.pending, false));
      this.push(this.seal(Buffer.concat(this.buffer, this.buffered), true));
    } else {
      this.push(this.seal(this.pending ?? Buffer.alloc(0), true));
    }
    this.pending = null;
    this.buffer = [];
    done();
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(segmentAad(this.objectKey, this.index++, final));
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE((ct.length | (final ? FINAL_BIT : 0)) >>> 0, 0);
    return Buffer.concat([head, nonce, ct, cipher.getAuthTag()]);
  }
}

/** "RBE1" + sealed segments in, plaintext out; any tampering, reordering or truncation fails. */
class SegmentDecryptor extends Transform {
  private chunks: Buffer[] = [];
  private length = 0;
  private index = 0;
  private sawMagic = false;
  private sawFinal = false;

  constructor(
    private readonly key: Buffer,
    private readonly objectKey: string,
    private readonly label: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    try {
      this.drain();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      this.drain();
      if (!this.sawMagic) throw verifyFailed(this.label, 'not an encrypted redback object (no RBE1 header)');
      if (!this.sawFinal || this.length > 0) throw verifyFailed(this.label, this.sawFinal ? 'bytes after the final segment' : `truncated after ${this.index} segment(s)`);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  private takeBytes(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.length);
    const head = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length ? [rest] : [];
    this.length = rest.length;
    return head;
  }

  /** The first 4 buffered bytes (joins chunks only when the first one is shorter). */
  private peekU32(): number {
    if (this.chunks[0]!.length < 4) this.chunks = [Buffer.concat(this.chunks, this.length)];
    return this.chunks[0]!.readUInt32BE(0);
  }

  private drain(): void {
    if (!this.sawMagic) {
      if (this.length < MAGIC.length) return;
      if (!this.takeBytes(MAGIC.length).equals(MAGIC)) throw verifyFailed(this.label, 'not an encrypted redback object (no RBE1 header)');
      this.sawMagic = true;
    }
    while (this.length >= 4) {
      if (this.sawFinal) throw verifyFailed(this.label, 'bytes after the final segment');
      const word = this.peekU32();
      const final = (word & FINAL_BIT) !== 0;
      const ctLength = word & MAX_SEGMENT;
      const frame = 4 + 12 + ctLength + 16;
      if (this.length < frame) return;
      const bytes = this.takeBytes(frame);
      const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(4, 16));
      decipher.setAAD(segmentAad(this.objectKey, this.index, final));
      decipher.setAuthTag(bytes.subarray(16 + ctLength));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(bytes.subarray(16, 16 + ctLength)), decipher.final()]);
      } catch {
        throw verifyFailed(this.label, `segment ${this.index} failed authentication (damaged, reordered or from another object)`);
      }
      this.index++;
      if (final) this.sawFinal = true;
      if (plain.length) this.push(plain);
    }
  }
}
