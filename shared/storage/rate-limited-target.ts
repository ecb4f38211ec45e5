import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { openBody, type GetOptions, type ListEntry, type ObjectStat, type PutBody, type PutOptions, type PutResult, type StorageFeatures, type StorageTarget } from './storage-target.js';

/**
 * A token bucket shared by every stream of one target: `bytesPerSecond` on average across all
 * concurrent puts and gets, with bursts of at most `burstBytes`. A caller that takes more tokens
 * than are left goes into debt and waits until the bucket refills, so later callers queue behind it
 * and the aggregate rate holds.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    readonly burstBytes = Math.max(64 * 1024, Math.floor(bytesPerSecond / 4)),
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(bytesPerSecond > 0)) throw new RangeError('bytesPerSecond must be positive');
    this.tokens = burstBytes;
    this.last = now();
  }

  /** Takes `bytes` tokens; resolves when the caller may send them. */
  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const now = this.now();
    this.tokens = Math.min(this.burstBytes, this.tokens + ((now - this.last) * this.bytesPerSecond) / 1000);
    this.last = now;
    this.tokens -= bytes;
    if (this.tokens >= 0) return;
    const waitMs = (-this.tokens / this.bytesPerSecond) * 1000;
    await sleep(Math.ceil(waitMs), undefined, signal ? { signal } : {});
  }
}

/** A pass-through that lets bytes out only as fast as its bucket allows. */
class Throttle extends Transform {
  constructor(private readonly bucket: TokenBucket) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bucket.take(chunk.length).then(
      () => callback(null, chunk),
      (err: unknown) => callback(err as Error),
    );
  }
}

/** `source` piped through a throttle; errors and destruction propagate both ways. */
function throttled(source: Readable, bucket: TokenBucket): Readable {
  const throttle = new Throttle(bucket);
  source.on('error', (err) => throttle.destroy(err));
  throttle.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(throttle);
  return throttle;
}

/**
 * Caps the bandwidth of a target's puts and gets at `bytesPerSecond` in all (one bucket for every
 * stream). Put bodies are throttled as the inner target reads them (S3 buffers a part, so the
 * network sees part-sized bursts at the capped average); get streams as the caller reads them.
 * Metadata calls (stat, list, delete) are not limited.
 */
export class RateLimitedTarget implements StorageTarget {
  readonly features: StorageFeatures;
  readonly bucket: TokenBucket;
  abortIncompleteUploads?: (olderThan: Date) => Promise<number>;

  constructor(
    readonly inner: StorageTarget,
    bytesPerSecond: number,
  ) {
    this.features = inner.features;
    this.bucket = new TokenBucket(bytesPerSecond);
    if (inner.abortIncompleteUploads) this.abortIncompleteUploads = (olderThan) => inner.abortIncompleteUploads!(olderThan);
  }

  describe(): string {
    return `${this.inner.describe()} (at most ${this.bucket.bytesPerSecond} bytes/s)`;
  }

  put(key: string, body: PutBody, opts?: PutOptions): Promise<PutResult> {
    const limited = async (): Promise<Readable> => throttled(await openBody(body), this.bucket);
    // A factory stays a factory (retryable); a stream is wrapped once.
    return typeof body === 'function' ? this.inner.put(key, limited, opts) : limited().then((s) => this.inner.put(key, s, opts));
  }

  async get(key: string, opts?: GetOptions): Promise<Readable> {
    return throttled(await this.inner.get(key, opts), this.bucket);
  }

  stat(key: string): Promise<ObjectStat | null> {
    return this.inner.stat(key);
  }

  list(prefix: string): AsyncIterable<ListEntry> {
    return this.inner.list(prefix);
  }

  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
}
