import { open, readFile, type FileHandle } from 'node:fs/promises';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { COPY_ID_PATTERN } from '../../shared/manifest/copy-manifest.js';
import { failpoint, failpointActive } from '../../shared/testing/failpoints.js';
import type { AgentContext } from '../agent-context.js';
import { TRANSFER_CHUNK_BYTES, TransferClient } from './transfer-codec.js';

export interface TransferJobContext {
  report(phase: string, done: number, total: number, message?: string): void;
  signal: AbortSignal;
}

/** A transfer id as the coordinator makes them (also used in file names on the target). */
export const TRANSFER_ID_PATTERN = /^xfer-[0-9a-f]{32}$/;

export function transferArgs(args: Record<string, unknown>): { transferId: string; backupId: string } {
  const transferId = String(args.transferId ?? '');
  const backupId = String(args.backupId ?? '');
  if (!TRANSFER_ID_PATTERN.test(transferId)) throw new RedbackError('USAGE', `not a transfer id: ${JSON.stringify(transferId.slice(0, 64))}`);
  if (!COPY_ID_PATTERN.test(backupId)) throw new RedbackError('USAGE', `not a copy id: ${JSON.stringify(backupId.slice(0, 64))}`);
  return { transferId, backupId };
}

/**
 * The source's side of a transfer (`send-copy` job): opens the local copy (so retention may
 * delete it meanwhile without cutting the stream), then uploads the header (size, SHA-256, the
 * manifest exactly as written) and the bytes in 1 MiB chunks, as fast as the coordinator takes
 * them. It does not take the instance's lock: scheduled copies go on during a long transfer.
 */
export async function sendCopy(ctx: AgentContext, instance: InstanceConfig, args: Record<string, unknown>, job: TransferJobContext): Promise<unknown> {
  const { transferId, backupId } = transferArgs(args);
  const copy = await ctx.store.findCopy(instance.name, backupId);
  if (copy.state !== 'ok') {
    throw new RedbackError('VERIFY_FAILED', `local copy ${backupId} cannot be sent: ${copy.state}`, {
      hint: `run redback agent verify --instance ${instance.name} on this host`,
    });
  }
  const m = copy.manifest;
  const manifestJson = await readFile(copy.manifestFile, 'utf8').catch((err) => {
    throw storageError(err, 'read manifest', copy.manifestFile);
  });
  let handle: FileHandle;
  try {
    handle = await open(copy.rdbFile, 'r');
  } catch (err) {
    throw storageError(err, 'open copy', copy.rdbFile);
  }
  const started = Date.now();
  const done = new AbortController();
  const client = new TransferClient(ctx);
  try {
    job.report('send', 0, m.bytes, `sending copy ${backupId} (transfer ${transferId})`);
    const result = await client.upload(
      { transferId, bytes: m.bytes, sha256: m.sha256, manifestJson },
      readChunks(handle, m.bytes, (sent) => job.report('send', sent, m.bytes), AbortSignal.any([job.signal, done.signal])),
      job.signal,
    );
    ctx.logger.info({ transferId, copy: backupId, bytes: result.bytes, ms: Date.now() - started }, 'copy sent');
    return { transferId, backupId, bytes: result.bytes, ms: Date.now() - started };
  } finally {
    done.abort();
    client.close();
    await handle.close().catch(() => undefined);
  }
}

/**
 * The copy's bytes in chunks (a fresh buffer each: gRPC may still hold the previous one). The next
 * chunk is read while the current one is being sent.
 */
async function* readChunks(handle: FileHandle, total: number, onSent: (sent: number) => void, stop: AbortSignal): AsyncGenerator<Buffer> {
  const readAt = (at: number): Promise<Buffer> => {
    const buffer = Buffer.allocUnsafe(Math.min(TRANSFER_CHUNK_BYTES, total - at));
    const p = handle.read(buffer, 0, buffer.length, at).then(({ bytesRead }) => buffer.subarray(0, bytesRead));
    p.catch(() => undefined); // awaited below, or dropped when the upload stops early
    return p;
  };
  let position = 0;
  let halfway = false;
  let next = total > 0 ? readAt(0) : null;
  while (position < total) {
    const chunk = await next!;
    if (chunk.length === 0) throw new RedbackError('SHORT_READ', `the copy ended after ${position} of ${total} bytes`, { hint: 'run redback agent verify on this host' });
    position += chunk.length;
    next = position < total ? readAt(position) : null;
    if (!halfway && position >= total / 2) {
      halfway = true;
      failpoint('transfer:send:half');
      if (failpointActive('transfer:send:corrupt')) chunk[chunk.length >> 1]! ^= 0xff;
      if (failpointActive('transfer:send:stall')) await new Promise<void>((resolve) => (stop.aborted ? resolve() : stop.addEventListener('abort', () => resolve(), { once: true })));
    }
    yield chunk;
    onSent(position);
  }
}
