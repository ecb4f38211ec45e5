import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { RedbackError, asRedbackError } from '../errors/index.js';
import type { Logger } from '../log/logger.js';
import {
  cancelledError,
  type GetOptions,
  type ListEntry,
  type ObjectStat,
  type PutBody,
  type PutOptions,
  type PutResult,
  type StorageFeatures,
  type StorageTarget,
} from './storage-target.js';

export interface RetryPolicy {
  /** Attempts in all, the first included (default 5). */
  attempts?: number;
  /** The first backoff's upper bound (default 500 ms); doubles per attempt. */
  baseDelayMs?: number;
  /** No backoff is longer than this (default 30 s). */
  maxDelayMs?: number;
  logger?: Logger;
  /** Called before each retry (tests count them; the CLI may show them). */
  onRetry?: (info: { operation: string; key: string; attempt: number; delayMs: number; error: RedbackError }) => void;
  /** Random source in [0, 1) for the jitter (tests make it fixed). */
  random?: () => number;
}

/**
 * Retries any target's operations whose error is `retryable` in the error table (OFFSITE_ERROR,
 * STORAGE_FULL, STORAGE_ERROR, ...), with exponential backoff and full jitter: the wait before
 * attempt n+1 is uniform in [0, min(maxDelay, baseDelay × 2^(n-1))). Non-retryable errors
 * (OFFSITE_AUTH, OFFSITE_REFUSED, NOT_FOUND, SHORT_READ, USAGE, CANCELLED) fail at once. When the
 * attempts run out, the last error is thrown with "(gave up after N attempts)" in its message.
 *
 * - `put` retries only when its body is a factory (`() => Readable`): a stream is consumed by the
 *   first attempt and cannot be re-read, so a put of a plain stream gets one attempt.
 * - `get` retries opening the object; a stream that fails after it was returned is the caller's
 *   to re-open (it fails with SHORT_READ, never silently).
 * - `list` resumes after a failed page: it lists again and skips the keys it already yielded
 *   (remembered in a set: list order is not part of the contract), so each key is still yielded
 *   exactly once.
 * - `stat`, `delete` and `abortIncompleteUploads` are idempotent and retried as they are.
 */
export class RetryingTarget implements StorageTarget {
  readonly features: StorageFeatures;
  private readonly attempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly random: () => number;

  constructor(
    readonly inner: StorageTarget,
    private readonly policy: RetryPolicy = {},
  ) {
    this.features = inner.features;
    this.attempts = Math.max(1, policy.attempts ?? 5);
    this.baseDelayMs = policy.baseDelayMs ?? 500;
    this.maxDelayMs = policy.maxDelayMs ?? 30_000;
    this.random = policy.random ?? Math.random;
    if (inner.abortIncompleteUploads) {
      this.abortIncompleteUploads = (olderThan: Date) =>
        this.retry('abort incomplete uploads', '', undefined, () => inner.abortIncompleteUploads!(olderThan));
    }
  }

  abortIncompleteUploads?: (olderThan: Date) => Promise<number>;

  describe(): string {
    return this.inner.describe();
  }

  /** The backoff before attempt `attempt + 1` (attempt counts from 1). */
  delayFor(attempt: number): number {
    const cap = Math.min(this.maxDelayMs, this.baseDelayMs * 2 ** (attempt - 1));
    return Math.floor(this.random() * cap);
  }

  private async retry<T>(operation: string, key: string, signal: AbortSignal | undefined, fn: () => Promise<T>, attempts = this.attempts): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        const error = asRedbackError(err);
        if (signal?.aborted) throw cancelledError(`${operation} ${key}`.trim());
        if (!error.retryable) throw error;
        if (attempt >= attempts) {
          if (attempts === 1) throw error;
          throw new RedbackError(error.code, `${error.message} (gave up after ${attempts} attempts)`, {
            cause: error,
            ...(error.hint ? { hint: error.hint } : {}),
            details: { ...(error.details ?? {}), attempts },
          });
        }
        const delayMs = this.delayFor(attempt);
        this.policy.logger?.warn({ operation, key, attempt, delayMs, code: error.code, err: error.message }, 'storage operation failed; retrying');
        this.policy.onRetry?.({ operation, key, attempt, delayMs, error });
        try {
          await sleep(delayMs, undefined, signal ? { signal } : {});
        } catch {
          throw cancelledError(`${operation} ${key}`.trim());
        }
      }
    }
  }

  put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    const reopenable = typeof body === 'function';
    return this.retry('put', key, opts.signal, () => this.inner.put(key, body, opts), reopenable ? this.attempts : 1);
  }

  get(key: string, opts: GetOptions = {}): Promise<Readable> {
    return this.retry('get', key, opts.signal, () => this.inner.get(key, opts));
  }

  stat(key: string): Promise<ObjectStat | null> {
    return this.retry('stat', key, undefined, () => this.inner.stat(key));
  }

  delete(key: string): Promise<void> {
    return this.retry('delete', key, undefined, () => this.inner.delete(key));
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    const yielded = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      try {
        for await (const entry of this.inner.list(prefix)) {
          if (yielded.has(entry.key)) continue; // yielded before the failure
          yielded.add(entry.key);
          yield entry;
        }
        return;
      } catch (err) {
        const error = asRedbackError(err);
        if (!error.retryable) throw error;
        if (attempt >= this.attempts) {
          throw new RedbackError(error.code, `${error.message} (gave up after ${this.attempts} attempts)`, {
            cause: error,
            ...(error.hint ? { hint: error.hint } : {}),
            details: { ...(error.details ?? {}), attempts: this.attempts },
          });
        }
        const delayMs = this.delayFor(attempt);
        this.policy.logger?.warn({ operation: 'list', key: prefix, attempt, delayMs, code: error.code }, 'storage list failed; retrying');
        this.policy.onRetry?.({ operation: 'list', key: prefix, attempt, delayMs, error });
        await sleep(delayMs);
      }
    }
  }
}
