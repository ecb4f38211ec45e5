import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedbackError } from '../../shared/errors/index.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { RateLimitedTarget, TokenBucket } from '../../shared/storage/rate-limited-target.js';
import { RetryingTarget } from '../../shared/storage/retrying-target.js';
import type { GetOptions, ListEntry, PutBody, PutOptions, StorageTarget } from '../../shared/storage/storage-target.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const KiB = 1024;

/**
 * A real local directory target whose next calls fail with a chosen error: the wrappers' retry
 * decisions are tested on top of real storage (the S3 tests cover a real unreachable endpoint).
 */
class FlakyTarget implements StorageTarget {
  readonly features;
  failures: Record<string, number> = {};
  error = (): RedbackError => new RedbackError('OFFSITE_ERROR', 'connection reset (injected)');
  /** list fails after yielding this many entries, once. */
  listFailsAfter: number | null = null;
  calls: string[] = [];

  constructor(readonly inner: LocalDirTarget) {
    this.features = inner.features;
  }

  private maybeFail(op: string): void {
    this.calls.push(op);
    if ((this.failures[op] ?? 0) > 0) {
      this.failures[op]!--;
      throw this.error();
    }
  }

  async put(key: string, body: PutBody, opts?: PutOptions) {
    this.maybeFail('put');
    return this.inner.put(key, body, opts);
  }
  async get(key: string, opts?: GetOptions) {
    this.maybeFail('get');
    return this.inner.get(key, opts);
  }
  async stat(key: string) {
    this.maybeFail('stat');
    return this.inner.stat(key);
  }
  async delete(key: string) {
    this.maybeFail('delete');
    return this.inner.delete(key);
  }
  async *list(prefix: string): AsyncIterable<ListEntry> {
    this.maybeFail('list');
    let n = 0;
    for await (const entry of this.inner.list(prefix)) {
      if (this.listFailsAfter !== null && n === this.listFailsAfter) {
        this.listFailsAfter = null;
        throw this.error();
      }
      n++;
      yield entry;
    }
  }
  describe(): string {
    return 'flaky';
  }
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe('RetryingTarget', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    dir = makeTempDir('redback-retry-');
  });
  afterAll(() => dir.cleanup());

  function setup(attempts = 4): { flaky: FlakyTarget; target: RetryingTarget; delays: number[] } {
    const flaky = new FlakyTarget(new LocalDirTarget(dir.path));
    const delays: number[] = [];
    const target = new RetryingTarget(flaky, { attempts, baseDelayMs: 8, maxDelayMs: 20, random: () => 0.5, onRetry: (r) => delays.push(r.delayMs) });
    return { flaky, target, delays };
  }

  it('retries retryable errors with exponential backoff and jitter, capped', async () => {
    const { flaky, target, delays } = setup(5);
    await new LocalDirTarget(dir.path).put('r/a', Readable.from([Buffer.from('a')]));
    flaky.failures.stat = 4;
    expect((await target.stat('r/a'))?.size).toBe(1);
    expect(delays).toEqual([4, 8, 10, 10]); // 0.5 × min(20, 8·2^(n-1))
  });

  it('gives up after the attempts with the last error, saying so', async () => {
    const { flaky, target } = setup(3);
    flaky.failures.delete = 10;
    const err = (await target.delete('r/a').catch((e: unknown) => e)) as RedbackError;
    expect(err.code).toBe('OFFSITE_ERROR');
    expect(err.message).toMatch(/gave up after 3 attempts/);
    expect(flaky.calls.filter((c) => c === 'delete')).toHaveLength(3);
  });

  it('never retries a non-retryable error', async () => {
    const { flaky, target, delays } = setup();
    flaky.error = () => new RedbackError('OFFSITE_AUTH', 'bad key (injected)');
    flaky.failures.get = 1;
    expect(((await target.get('r/a').catch((e: unknown) => e)) as RedbackError).code).toBe('OFFSITE_AUTH');
    expect(((await target.get('r/none').catch((e: unknown) => e)) as RedbackError).code).toBe('NOT_FOUND');
    expect(delays).toEqual([]);
  });

  it('retries a put only when its body can be re-opened', async () => {
    const { flaky, target } = setup();
    flaky.failures.put = 1;
    const streamErr = (await target.put('r/stream', Readable.from([Buffer.from('s')])).catch((e: unknown) => e)) as RedbackError;
    expect(streamErr.code).toBe('OFFSITE_ERROR');
    expect(flaky.calls.filter((c) => c === 'put')).toHaveLength(1);
    flaky.failures.put = 2;
    let opened = 0;
    await target.put('r/factory', () => {
      opened++;
      return Readable.from([Buffer.from('factory')]);
    });
    expect((await readAll(await target.get('r/factory'))).toString()).toBe('factory');
    expect(flaky.calls.filter((c) => c === 'put')).toHaveLength(4);
    expect(opened).toBe(1); // the injected failures came before the body was opened
  });

  it('a list that fails midway resumes without repeating or losing keys', async () => {
    const { flaky, target, delays } = setup();
    const local = new LocalDirTarget(dir.path);
    const keys = Array.from({ length: 9 }, (_, i) => `lst/k${i}`);
    for (const key of keys) await local.put(key, Readable.from([Buffer.from(key)]));
    flaky.listFailsAfter = 4;
    const listed: string[] = [];
    for await (const entry of target.list('lst/')) listed.push(entry.key);
    expect(listed).toEqual(keys);
    expect(delays).toHaveLength(1);
  });

  it('keeps the optional abortIncompleteUploads of the target it wraps, and only then', async () => {
    const local = new LocalDirTarget(dir.path);
    expect(await new RetryingTarget(local).abortIncompleteUploads?.(new Date(0))).toBe(0);
    expect(new RetryingTarget(new FlakyTarget(local)).abortIncompleteUploads).toBeUndefined();
    expect(await new RateLimitedTarget(local, 1000).abortIncompleteUploads?.(new Date(0))).toBe(0);
  });

  it('an abort during the backoff is CANCELLED', async () => {
    const flaky = new FlakyTarget(new LocalDirTarget(dir.path));
    const controller = new AbortController();
    const target = new RetryingTarget(flaky, { attempts: 5, baseDelayMs: 60_000, onRetry: () => controller.abort() });
    flaky.failures.get = 5;
    const err = (await target.get('r/a', { signal: controller.signal }).catch((e: unknown) => e)) as RedbackError;
    expect(err.code).toBe('CANCELLED');
  });
});

describe('RateLimitedTarget', () => {
  let dir: ReturnType<typeof makeTempDir>;
  beforeAll(() => {
    dir = makeTempDir('redback-ratelimit-');
  });
  afterAll(() => dir.cleanup());

  it('caps put and get bandwidth', async () => {
    const target = new RateLimitedTarget(new LocalDirTarget(dir.path), 256 * KiB);
    const data = randomBytes(512 * KiB);
    let started = performance.now();
    await target.put('rl/obj', Readable.from([data.subarray(0, 256 * KiB), data.subarray(256 * KiB)]), { size: data.length });
    const putMs = performance.now() - started;
    // 512 KiB at 256 KiB/s with a 64 KiB burst: at least (512 - 64) / 256 s.
    expect(putMs).toBeGreaterThanOrEqual(1700);
    started = performance.now();
    expect((await readAll(await target.get('rl/obj'))).equals(data)).toBe(true);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1700);
  });

  it('one cap for all streams of the target together', async () => {
    const inner = new LocalDirTarget(dir.path);
    await inner.put('rl/a', Readable.from([randomBytes(256 * KiB)]));
    await inner.put('rl/b', Readable.from([randomBytes(256 * KiB)]));
    const target = new RateLimitedTarget(inner, 256 * KiB);
    const started = performance.now();
    await Promise.all([target.get('rl/a').then(readAll), target.get('rl/b').then(readAll)]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(1700);
  });

  it('token bucket arithmetic: bursts, then waits for the debt', async () => {
    let now = 0;
    const bucket = new TokenBucket(1000, 500, () => now);
    const t0 = performance.now();
    await bucket.take(500); // the burst: no wait
    expect(performance.now() - t0).toBeLessThan(50);
    now += 100; // +100 tokens
    const t1 = performance.now();
    await bucket.take(150); // 50 short: waits 50 ms
    expect(performance.now() - t1).toBeGreaterThanOrEqual(45);
  });
});
