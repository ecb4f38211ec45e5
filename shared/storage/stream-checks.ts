import { Transform, type Readable, type TransformCallback } from 'node:stream';
import type { RedbackError } from '../errors/index.js';

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
