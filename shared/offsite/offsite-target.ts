import type { Readable } from 'node:stream';

/**
 * The part of a storage target that offsite sets use (the smallest interface they need; any
 * `StorageTarget` of shared/storage fits it).
 */
export interface OffsiteTarget {
  /** Streams `body` to `key`; the object is visible only once the promise resolves. */
  put(key: string, body: Readable, options?: { signal?: AbortSignal; contentLength?: number }): Promise<unknown>;
  /** The object's bytes; NOT_FOUND when absent. */
  get(key: string, options?: { signal?: AbortSignal }): Promise<Readable>;
  /** Size of the object as stored, or null when absent. */
  stat(key: string): Promise<{ size: number } | null>;
  /** Every object under `prefix`. */
  list(prefix: string): AsyncIterable<{ key: string; size: number; lastModified?: Date }>;
  /** Removes the object; absent is fine. */
  delete(key: string): Promise<void>;
}
