import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { RedbackError } from '../errors/index.js';
import { cancelledError, type PutOptions } from './storage-target.js';

/**
 * A pass-through that counts bytes, reports the running total, and fails the stream with the
 * error `onEnd` returns when it ends (used for `SHORT_READ` on gets and size checks on puts).
 */
export class ByteCounter extends Transform {
  bytes = 0;

  constructor(
    private readonly options: {
      onProgress?: (bytes: number) => void;
      /** Called when the source ends; a returned error fails the stream instead of ending it. */
      onEnd?: (bytes: number) => RedbackError | null;
    } = {},
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.options.onProgress?.(this.bytes);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    callback(this.options.onEnd?.(this.bytes) ?? null);
  }
}

/**
 * Pipes `source` through a counter that fails with `shortRead(got)` when fewer than `expected`
 * bytes arrive, and maps any error the source emits with `mapError`. The returned stream is what a
 * `get` hands to its caller; destroying it destroys the source.
 */
export function expectLength(
  source: Readable,
  expected: number,
  shortRead: (got: number) => RedbackError,
  mapError: (err: unknown, got: number) => RedbackError,
): Readable {
  const counter = new ByteCounter({ onEnd: (got) => (got < expected ? shortRead(got) : null) });
  source.on('error', (err) => counter.destroy(mapError(err, counter.bytes)));
  // A source that closes without 'end' (socket reset without an error) is a short read too.
  source.on('close', () => {
    if (!source.readableEnded && !counter.destroyed) counter.destroy(shortRead(counter.bytes));
  });
  counter.on('close', () => {
    if (!source.destroyed) source.destroy();
  });
  source.pipe(counter);
  return counter;
}

/**
 * The counter a `put` pipes its body through: reports progress, and fails with `VERIFY_FAILED`
 * when the body yields other than `opts.size` bytes (when given).
 */
export function putBodyCounter(key: string, opts: Pick<PutOptions, 'size' | 'onProgress'>): ByteCounter {
  return new ByteCounter({
    onProgress: opts.onProgress,
    onEnd: (bytes) =>
      opts.size !== undefined && bytes !== opts.size
        ? new RedbackError('VERIFY_FAILED', `put ${key}: the body yielded ${bytes} bytes, expected ${opts.size}`, {
            details: { key, got: bytes, expected: opts.size },
          })
        : null,
  });
}

/** Destroys a `get`'s stream with `cancelledError('get <key>')` when `signal` aborts before it closes. */
export function cancelGetOnAbort(stream: Readable, key: string, signal: AbortSignal | undefined): void {
  if (!signal) return;
  const onAbort = (): void => void stream.destroy(cancelledError(`get ${key}`));
  signal.addEventListener('abort', onAbort, { once: true });
  stream.once('close', () => signal.removeEventListener('abort', onAbort));
}
