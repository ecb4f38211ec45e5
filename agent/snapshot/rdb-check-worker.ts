// Worker thread of the copy pipeline. Role 'crc' computes the RDB's CRC-64 (all but the 8-byte
// trailer); 'parse' walks the structure; 'sha256' hashes the file. The main thread only reads, so
// the three pieces of work spread over the machine's cores. Chunks arrive as views of shared buffers and are
// acknowledged once consumed, so the main thread can reuse the slot.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { RedbackError } from '../../shared/errors/index.js';
import { RdbStreamReader, TrailerCrc } from '../../shared/rdb/index.js';

interface WorkerInput {
  role: 'crc' | 'parse' | 'sha256';
  slots: SharedArrayBuffer[];
}

const { role, slots } = workerData as WorkerInput;
const views = slots.map((sab) => new Uint8Array(sab));
const crc = role === 'crc' ? new TrailerCrc() : null;
const reader = role === 'parse' ? new RdbStreamReader({ externalCrc: true }) : null;
const sha = role === 'sha256' ? createHash('sha256') : null;
let failed = false;

parentPort!.on('message', (msg: { slot: number; length: number } | { finish: true; crc?: bigint }) => {
  if ('finish' in msg) {
    try {
      parentPort!.postMessage(crc ? { result: crc.digest() } : sha ? { result: sha.digest('hex') } : { result: reader!.finish(msg.crc) });
    } catch (err) {
      parentPort!.postMessage({ error: serialise(err) });
    }
    return;
  }
  if (!failed) {
    try {
      const chunk = views[msg.slot]!.subarray(0, msg.length);
      if (crc) crc.update(chunk);
      else if (sha) sha.update(chunk);
      else reader!.update(chunk);
    } catch (err) {
      failed = true;
      parentPort!.postMessage({ error: serialise(err) });
    }
  }
  parentPort!.postMessage({ ack: msg.slot });
});

function serialise(err: unknown): { code: string; message: string; hint?: string; details?: Record<string, unknown> } {
  if (err instanceof RedbackError) return { code: err.code, message: err.message, ...(err.hint ? { hint: err.hint } : {}), ...(err.details ? { details: err.details } : {}) };
  return { code: 'INTERNAL', message: (err as Error).message };
}
