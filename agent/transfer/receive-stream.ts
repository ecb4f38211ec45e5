import { createHash } from 'node:crypto';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { crc64Hex } from '../../shared/rdb/crc64.js';
import { RdbStreamReader } from '../../shared/rdb/index.js';
import type { RdbSummary } from '../../shared/rdb/rdb-summary.js';
import { parseManifest, type CopyManifest } from '../../shared/manifest/copy-manifest.js';
import type { TransferChunkIn, TransferHeader } from './transfer-codec.js';

export interface Received {
  header: TransferHeader;
  /** The source's manifest, its own checksum checked. */
  manifest: CopyManifest;
  sha256: string;
  bytes: number;
  summary: RdbSummary;
}

export interface ReceiveOptions {
  /** Refuses a transfer before a byte is written (throw); gets the parsed manifest. */
  check?: (header: TransferHeader, manifest: CopyManifest) => void;
  onProgress?: (done: number, total: number) => void;
  /** fdatasync before returning (default true). */
  durable?: boolean;
  /** Whether an RDB without CRC-64 is accepted (snapshot.allowUnchecksummed). */
  allowUnchecksummed: boolean;
}

/**
 * Writes a transfer into `destination` (created exclusively, 0600) and checks it on the way:
 * 1. the first chunk is the header; the manifest it carries must pass its own checksum and match
 *    the announced size and SHA-256, and `check` must accept it;
 * 2. every data chunk is hashed (SHA-256) and walked by the RDB reader as it is written;
 * 3. at the end the size, the SHA-256, the RDB's CRC-64 trailer and version must match the
 *    manifest. Any failure (a check, a cut transfer) removes the file: nothing is left behind.
 */
export async function receiveToFile(chunks: AsyncIterable<TransferChunkIn>, destination: string, options: ReceiveOptions): Promise<Received> {
  let handle: FileHandle;
  try {
    handle = await open(destination, 'wx', 0o600);
  } catch (err) {
    throw storageError(err, 'create transfer file', destination);
  }
  let closed = false;
  let pendingWrite: Promise<void> | null = null;
  try {
    let header: TransferHeader | null = null;
    let manifest: CopyManifest | null = null;
    const hash = createHash('sha256');
    const reader = new RdbStreamReader();
    let written = 0;
    // A damaged chunk may trip the RDB reader before the SHA-256 can tell: report that at the end.
    let readerError: Error | null = null;
    const settleWrite = async () => {
      const p = pendingWrite;
      pendingWrite = null;
      if (!p) return;
      try {
        await p;
      } catch (err) {
        throw storageError(err, 'write transfer file', destination);
      }
    };
    for await (const chunk of chunks) {
      if ('start' in chunk) {
        if (header) throw refused('the coordinator sent a second header');
        header = chunk.start;
        const parsed = parseManifest(header.manifestJson);
        if (!parsed.ok) throw refused(`the copy's manifest is not valid: ${parsed.reason}`);
        manifest = parsed.manifest;
        if (manifest.bytes !== header.bytes || manifest.sha256 !== header.sha256) {
          throw refused(`the announced size or SHA-256 differs from the copy's manifest`);
        }
        options.check?.(header, manifest);
        continue;
      }
      if (!header) throw refused('data arrived before the header');
      written += chunk.data.length;
      if (written > header.bytes) throw refused(`more than the ${header.bytes} bytes announced arrived`);
      // One write in flight: it runs on the thread pool while this chunk is hashed and walked and
      // the next one arrives (the chunk's buffer is not touched again, so nothing is copied).
      await settleWrite();
      pendingWrite = writeAll(handle, chunk.data);
      pendingWrite.catch(() => undefined);
      hash.update(chunk.data);
      if (!readerError) {
        try {
          reader.update(chunk.data);
        } catch (err) {
          readerError = err as Error;
        }
      }
      options.onProgress?.(written, header.bytes);
    }
    await settleWrite();
    if (!header || !manifest) throw refused('the transfer ended before its header');
    if (written !== header.bytes) throw refused(`the transfer ended after ${written} of ${header.bytes} bytes`);
    const sha256 = hash.digest('hex');
    if (sha256 !== header.sha256) {
      throw new RedbackError('TRANSFER_FAILED', `copy ${manifest.id} arrived damaged: sha256 ${sha256.slice(0, 16)}… differs from the manifest's ${header.sha256.slice(0, 16)}…`, {
        hint: 'nothing was kept; run the copy again (if it fails again, check the source with redback agent verify on its host)',
      });
    }
    let summary: RdbSummary;
    try {
      if (readerError) throw readerError;
      summary = reader.finish();
    } catch (err) {
      throw new RedbackError('RDB_CORRUPT', `copy ${manifest.id} is not a valid RDB although its SHA-256 matches: ${(err as Error).message}`, {
        hint: 'the copy is bad on the source too: run redback agent verify on its host and pick another copy',
      });
    }
    const problems: string[] = [];
    const crc = crc64Hex(summary.storedChecksum);
    if (crc !== manifest.crc64) problems.push(`crc64 trailer ${crc} differs from the manifest's ${manifest.crc64}`);
    if (summary.rdbVersion !== manifest.rdbVersion) problems.push(`rdb version ${summary.rdbVersion}, manifest says ${manifest.rdbVersion}`);
    if (summary.checksumDisabled && !options.allowUnchecksummed) problems.push('the RDB has no CRC-64 (rdbchecksum no) so it cannot be verified');
    if (problems.length > 0) {
      throw new RedbackError('VERIFY_FAILED', `copy ${manifest.id} failed verification: ${problems.join('; ')}`, {
        hint: 'nothing was kept; run redback agent verify on the source host and pick another copy',
      });
    }
    if (options.durable !== false) await handle.datasync();
    closed = true;
    await handle.close();
    return { header, manifest, sha256, bytes: written, summary };
  } catch (err) {
    await (pendingWrite as Promise<void> | null)?.catch(() => undefined);
    if (!closed) await handle.close().catch(() => undefined);
    await unlink(destination).catch(() => undefined);
    throw err;
  }
}

function refused(why: string): RedbackError {
  return new RedbackError('TRANSFER_FAILED', `transfer refused: ${why}`, {
    hint: 'nothing was kept; run the copy again, and check that the agents and the coordinator run the same redback version',
  });
}

/** Writes all of `data` at the file's current end (a short write is continued). */
async function writeAll(handle: FileHandle, data: Buffer): Promise<void> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    offset += bytesWritten;
  }
}
