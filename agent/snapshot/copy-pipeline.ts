import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { storageError } from '../../shared/errors/index.js';
import { FILE_MODE } from '../../shared/fs/durable.js';
import { RdbStreamReader } from '../../shared/rdb/index.js';
import type { RdbSummary } from '../../shared/rdb/rdb-summary.js';

export interface PipelineResult {
  bytes: number;
  sha256: string;
  summary: RdbSummary;
}

export interface PipelineOptions {
  /** Where to write the copy (created exclusively, 0600). Omit to only inspect (verify). */
  destination?: string;
  chunkSize?: number;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
  /** Start an fdatasync every this many bytes so write-back overlaps the hashing. */
  syncEveryBytes?: number;
}

const DEFAULT_CHUNK = 4 * 1024 * 1024;
const BUFFERS = 3;

/**
 * One streaming pass over an RDB: read a chunk, hand it to the writer, and while the write runs,
 * feed it to SHA-256 and the RDB reader (CRC-64, structure, key counts). Memory is BUFFERS ×
 * chunkSize whatever the file size. The source is opened once, so a dump.rdb that Redis replaces
 * meanwhile (rename) does not change what is read. With a destination, the file is fdatasync'ed
 * before this returns; the caller renames it and syncs the directory.
 *
 * Throws RDB_CORRUPT (from the reader) when the content is not a valid RDB; the destination file is
 * then left for the caller to quarantine.
 */
export async function runCopyPipeline(source: string, options: PipelineOptions = {}): Promise<PipelineResult> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK;
  const syncEvery = options.syncEveryBytes ?? 64 * 1024 * 1024;
  let input: FileHandle;
  try {
    input = await open(source, 'r');
  } catch (err) {
    throw storageError(err, 'open', source);
  }
  let output: FileHandle | null = null;
  const writes: Array<Promise<unknown> | null> = new Array(BUFFERS).fill(null);
  try {
    const total = (await input.stat()).size;
    if (options.destination) {
      try {
        output = await open(options.destination, 'wx', FILE_MODE);
      } catch (err) {
        throw storageError(err, 'create', options.destination);
      }
    }
    const hash = createHash('sha256');
    const reader = new RdbStreamReader();
    const pool = Array.from({ length: BUFFERS }, () => Buffer.allocUnsafe(chunkSize));
    let syncing: Promise<void> | null = null;
    let sinceSync = 0;
    let position = 0;
    let index = 0;

    // Issue the next read at once (not after a microtask), so it runs on the thread pool while
    // this thread hashes the current chunk; a buffer still being written is waited for first.
    const readInto = (slot: number, at: number) => {
      const pendingWrite = writes[slot];
      const read = () => input.read(pool[slot]!, 0, chunkSize, at);
      return pendingWrite ? pendingWrite.then(read) : read();
    };

    let pendingRead = readInto(0, 0);
    for (;;) {
      const slot = index % BUFFERS;
      const { bytesRead } = await pendingRead;
      if (bytesRead === 0) break;
      const chunk = pool[slot]!.subarray(0, bytesRead);
      if (output) {
        const out = output;
        const at = position;
        writes[slot] = out.write(chunk, 0, bytesRead, at).catch((err) => {
          throw storageError(err, 'write', options.destination!);
        });
        // Surface write errors promptly (they are awaited again below).
        writes[slot]!.catch(() => undefined);
        sinceSync += bytesRead;
        if (sinceSync >= syncEvery && syncing === null) {
          sinceSync = 0;
          syncing = out.datasync().finally(() => {
            syncing = null;
          });
          syncing.catch(() => undefined);
        }
      }
      position += bytesRead;
      index++;
      pendingRead = readInto(index % BUFFERS, position);
      hash.update(chunk);
      reader.update(chunk);
      options.onProgress?.(position, Math.max(total, position));
    }
    await Promise.all(writes);
    const summary = reader.finish();
    if (output) {
      await syncing;
      try {
        await output.datasync();
      } catch (err) {
        throw storageError(err, 'sync', options.destination!);
      }
    }
    return { bytes: position, sha256: hash.digest('hex'), summary };
  } finally {
    await Promise.allSettled(writes);
    await input.close().catch(() => undefined);
    await output?.close().catch(() => undefined);
  }
}
