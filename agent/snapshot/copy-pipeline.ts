import { createHash } from 'node:crypto';
import { constants, existsSync } from 'node:fs';
import { chmod, copyFile, open, stat, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { isErrorCode, RedbackError, storageError } from '../../shared/errors/index.js';
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
  /** Files at least this large are checked on a worker thread (default 32 MiB). */
  workerThresholdBytes?: number;
  /**
   * How bytes reach the destination: 'kernel' (default on Linux) copies the open source inside
   * the kernel (sendfile / copy_file_range) while the read pass checks the same open file;
   * 'stream' writes the chunks the read pass read.
   */
  copyMode?: 'kernel' | 'stream';
  /**
   * fdatasync the destination before returning (default true). A restore turns it off for its
   * staged RDB, whose durability comes from the AOF rewrite that follows.
   */
  durable?: boolean;
}

const DEFAULT_CHUNK = 4 * 1024 * 1024;
const SLOTS = 4;

/** Hashes and checks RDB chunks; inline on this thread, or on worker threads (the other cores). */
interface RdbChecker {
  /** Hands over slot `slot`; resolves when the checker no longer needs its bytes. */
  submit(slot: number, length: number): Promise<void>;
  finish(): Promise<{ summary: RdbSummary; sha256: string }>;
  close(): Promise<void>;
}

/**
 * One streaming pass over an RDB:
 * 1. read a chunk into one of SLOTS buffers (the next read is issued before this chunk is hashed);
 * 2. hand it to the checker: SHA-256, CRC-64 and the structure walk (three worker threads for
 *    large files, so this thread only reads);
 * 3. with a destination, the bytes get there one of two ways:
 *    - kernel (Linux default): the kernel copies the same open file (/proc/self/fd/N, so the same
 *      inode even if Redis renames a new dump.rdb over the path) to the destination while step 1
 *      reads it; no user-space write, which is where a copy spends its time on many VMs;
 *    - stream: each chunk is written from its buffer (thread pool), with an fdatasync every
 *      syncEveryBytes so write-back overlaps the hashing;
 *    either way the destination must end up exactly as long as what was checked, and is
 *    fdatasync'ed before this returns; the caller renames it and syncs the directory;
 * 4. a slot is reused only when its write finished and the checker released it.
 * Memory is SLOTS × chunkSize whatever the file size. The source is opened once; Redis never
 * changes a dump.rdb in place (it writes a temp file and renames), so the open inode is stable.
 *
 * Throws RDB_CORRUPT when the content is not a valid RDB; the destination is then left for the
 * caller to quarantine.
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
  const writes: Array<Promise<unknown> | null> = new Array(SLOTS).fill(null);
  const released: Array<Promise<void> | null> = new Array(SLOTS).fill(null);
  let checker: RdbChecker | null = null;
  let copying: Promise<void> | null = null;
  try {
    const total = (await input.stat()).size;
    const useWorker = total >= (options.workerThresholdBytes ?? 32 * 1024 * 1024) && existsSync(WORKER_FILE);
    const sabs = Array.from({ length: SLOTS }, () => (useWorker ? new SharedArrayBuffer(chunkSize) : new ArrayBuffer(chunkSize)));
    const pool = sabs.map((b) => Buffer.from(b));
    checker = useWorker ? workerChecker(sabs as SharedArrayBuffer[]) : inlineChecker(pool);
    if (options.destination) await checkHeader(input, source);
    const kernelCopy = options.destination !== undefined && (options.copyMode ?? (process.platform === 'linux' ? 'kernel' : 'stream')) === 'kernel';
    if (options.destination && kernelCopy) {
      const destination = options.destination;
      // Copy, then fdatasync at once: the flush to disk overlaps the rest of the read pass.
      copying = copyFile(`/proc/self/fd/${input.fd}`, destination, constants.COPYFILE_EXCL)
        .then(async () => {
          if (options.durable === false) return;
          const copied = await open(destination, 'r+');
          try {
            await copied.datasync();
          } finally {
            await copied.close();
          }
        })
        .catch((err) => {
          throw storageError(err, 'write', destination);
        });
      copying.catch(() => undefined); // awaited after the read pass
    } else if (options.destination) {
      try {
        output = await open(options.destination, 'wx', FILE_MODE);
      } catch (err) {
        throw storageError(err, 'create', options.destination);
      }
    }
    let syncing: Promise<void> | null = null;
    let sinceSync = 0;
    let position = 0;
    let index = 0;

    const readInto = (slot: number, at: number) => {
      const busy = [writes[slot], released[slot]].filter((p): p is Promise<unknown> => p !== null);
      const read = () => input.read(pool[slot]!, 0, chunkSize, at);
      return busy.length ? Promise.all(busy).then(read) : read();
    };

    let pendingRead = readInto(0, 0);
    for (;;) {
      const slot = index % SLOTS;
      const { bytesRead } = await pendingRead;
      if (bytesRead === 0) break;
      const chunk = pool[slot]!.subarray(0, bytesRead);
      if (output) {
        const out = output;
        writes[slot] = out.write(chunk, 0, bytesRead, position).catch((err) => {
          throw storageError(err, 'write', options.destination!);
        });
        writes[slot]!.catch(() => undefined); // awaited before the slot is reused
        sinceSync += bytesRead;
        if (options.durable !== false && sinceSync >= syncEvery && syncing === null) {
          sinceSync = 0;
          syncing = out.datasync().finally(() => {
            syncing = null;
          });
          syncing.catch(() => undefined);
        }
      }
      released[slot] = checker.submit(slot, bytesRead);
      released[slot]!.catch(() => undefined);
      position += bytesRead;
      index++;
      pendingRead = readInto(index % SLOTS, position);
      options.onProgress?.(position, Math.max(total, position));
    }
    await Promise.all([...writes, ...released]);
    const { summary, sha256 } = await checker.finish();
    if (copying) {
      await copying;
      const copied = await stat(options.destination!);
      await chmod(options.destination!, FILE_MODE);
      if (copied.size !== position) {
        throw new RedbackError('STORAGE_ERROR', `copy of ${source} has ${copied.size} bytes, ${position} were checked`, {
          hint: 'the source changed while it was copied, or the backup file system misbehaves; retry',
        });
      }
    }
    if (output && !copying && options.durable !== false) {
      await syncing;
      try {
        await output.datasync();
      } catch (err) {
        throw storageError(err, 'sync', options.destination!);
      }
    }
    return { bytes: position, sha256, summary };
  } finally {
    await Promise.allSettled([...writes, ...released, ...(copying ? [copying] : [])]);
    await checker?.close();
    await input.close().catch(() => undefined);
    await output?.close().catch(() => undefined);
  }
}

/** The magic and version (`REDIS0011`): checked before any byte is copied. */
const HEADER_BYTES = 9;

/**
 * Fail fast: the magic and version of the source are checked before the copy begins, so a file that is not an
 * RDB at all (a 3 GB garbage dump.rdb) is refused before a single byte is written. The error says
 * `details.notRdb` so the caller keeps only a sample of it.
 */
async function checkHeader(input: FileHandle, source: string): Promise<void> {
  const head = Buffer.alloc(HEADER_BYTES);
  const { bytesRead } = await input.read(head, 0, HEADER_BYTES, 0);
  if (bytesRead === 0) return; // empty: the full pass reports it
  try {
    new RdbStreamReader().update(head.subarray(0, bytesRead));
  } catch (err) {
    if (err instanceof RedbackError) {
      throw new RedbackError(err.code, err.message, { ...(err.hint ? { hint: err.hint } : {}), details: { ...(err.details ?? {}), notRdb: true, source } });
    }
    throw err;
  }
}

const WORKER_FILE = fileURLToPath(new URL('./rdb-check-worker.js', import.meta.url));

function inlineChecker(pool: Buffer[]): RdbChecker {
  const reader = new RdbStreamReader();
  const hash = createHash('sha256');
  return {
    submit: async (slot, length) => {
      const chunk = pool[slot]!.subarray(0, length);
      hash.update(chunk);
      reader.update(chunk);
    },
    finish: async () => ({ summary: reader.finish(), sha256: hash.digest('hex') }),
    close: async () => undefined,
  };
}

/** Three worker threads: SHA-256, the CRC-64, and the structure walk. */
function workerChecker(slots: SharedArrayBuffer[]): RdbChecker {
  const workers = { sha: new ChunkWorker('sha256', slots), crc: new ChunkWorker('crc', slots), parse: new ChunkWorker('parse', slots) };
  const all = Object.values(workers);
  return {
    submit: async (slot, length) => {
      await Promise.all(all.map((w) => w.submit(slot, length)));
    },
    finish: async () => {
      const [sha256, crc] = (await Promise.all([workers.sha.finish({}), workers.crc.finish({})])) as [string, bigint];
      const summary = (await workers.parse.finish({ crc })) as RdbSummary;
      return { summary, sha256 };
    },
    close: async () => {
      await Promise.all(all.map((w) => w.close()));
    },
  };
}

type WorkerReply = { ack?: number; error?: { code: string; message: string; hint?: string; details?: Record<string, unknown> }; result?: unknown };

/** A worker thread fed slot numbers of shared buffers; acknowledges each, answers finish once. */
class ChunkWorker {
  private readonly worker: Worker;
  private readonly acks: Array<Array<() => void>>;
  private failure: RedbackError | null = null;
  private finishWaiter: { resolve: (v: unknown) => void; reject: (e: Error) => void } | null = null;

  constructor(role: 'crc' | 'parse' | 'sha256', slots: SharedArrayBuffer[]) {
    this.acks = slots.map(() => []);
    this.worker = new Worker(WORKER_FILE, { workerData: { role, slots }, execArgv: [] });
    this.worker.on('message', (msg: WorkerReply) => {
      if (msg.error) {
        const code = isErrorCode(msg.error.code) ? msg.error.code : 'INTERNAL';
        this.fail(new RedbackError(code, msg.error.message, { ...(msg.error.hint ? { hint: msg.error.hint } : {}), ...(msg.error.details ? { details: msg.error.details } : {}) }));
      }
      if (msg.ack !== undefined) this.acks[msg.ack]!.shift()?.();
      if ('result' in msg) this.finishWaiter?.resolve(msg.result);
    });
    this.worker.on('error', (err) => this.fail(new RedbackError('INTERNAL', `rdb check worker failed: ${err.message}`)));
  }

  private fail(err: RedbackError): void {
    this.failure ??= err;
    for (const queue of this.acks) while (queue.length) queue.shift()!();
    this.finishWaiter?.reject(this.failure);
  }

  submit(slot: number, length: number): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      this.acks[slot]!.push(() => (this.failure ? reject(this.failure) : resolve()));
      this.worker.postMessage({ slot, length });
    });
  }

  finish(extra: Record<string, unknown>): Promise<unknown> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.finishWaiter = { resolve, reject };
      this.worker.postMessage({ finish: true, ...extra });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
