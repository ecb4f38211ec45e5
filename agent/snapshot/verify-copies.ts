import { stat } from 'node:fs/promises';
import { RedbackError } from '../../shared/errors/index.js';
import { crc64Hex } from '../../shared/rdb/crc64.js';
import type { LocalCopy } from '../store/local-store.js';
import { runCopyPipeline } from './copy-pipeline.js';

export interface VerifyResult {
  instance: string;
  tier: string;
  id: string;
  path: string;
  ok: boolean;
  /** Why the copy is bad; absent when ok. */
  problem?: string;
  bytes: number;
}

/**
 * Re-reads one copy end to end and checks it against its manifest: size, SHA-256, and the RDB's
 * own structure and CRC-64. Never throws for a bad copy; returns the problem.
 */
export async function verifyCopy(copy: LocalCopy, onProgress?: (done: number, total: number) => void): Promise<VerifyResult> {
  const m = copy.manifest;
  const base = { instance: m.instance, tier: m.tier, id: m.id, path: copy.rdbFile, bytes: m.bytes };
  if (copy.state === 'missing-file') return { ...base, ok: false, problem: 'rdb file is missing' };
  try {
    const result = await runCopyPipeline(copy.rdbFile, onProgress ? { onProgress } : {});
    if (result.bytes !== m.bytes) return { ...base, ok: false, problem: `size is ${result.bytes}, manifest says ${m.bytes}` };
    if (result.sha256 !== m.sha256) return { ...base, ok: false, problem: `sha256 mismatch: file ${result.sha256.slice(0, 16)}…, manifest ${m.sha256.slice(0, 16)}…` };
    const crc = crc64Hex(result.summary.storedChecksum);
    if (crc !== m.crc64) return { ...base, ok: false, problem: `rdb crc64 trailer ${crc} differs from manifest ${m.crc64}` };
    return { ...base, ok: true };
  } catch (err) {
    if (err instanceof RedbackError) return { ...base, ok: false, problem: err.message };
    throw err;
  }
}

/**
 * Verifies many copies, reading each distinct file (inode) once: a daily copy hard-linked to an
 * hourly one shares its bytes and manifest checksums, so one read answers for both.
 */
export async function verifyCopies(
  copies: readonly LocalCopy[],
  onProgress?: (copy: LocalCopy, done: number, total: number) => void,
): Promise<VerifyResult[]> {
  const seen = new Map<string, Pick<VerifyResult, 'ok' | 'problem'>>();
  const results: VerifyResult[] = [];
  for (const copy of copies) {
    const st = await stat(copy.rdbFile).catch(() => null);
    const key = st ? `${st.dev}:${st.ino}:${copy.manifest.sha256}:${copy.manifest.bytes}` : null;
    const earlier = key ? seen.get(key) : undefined;
    const m = copy.manifest;
    const result: VerifyResult = earlier
      ? { instance: m.instance, tier: m.tier, id: m.id, path: copy.rdbFile, bytes: m.bytes, ...earlier }
      : await verifyCopy(copy, onProgress && ((d, t) => onProgress(copy, d, t)));
    if (key && !earlier) seen.set(key, result.ok ? { ok: true } : { ok: false, problem: result.problem! });
    results.push(result);
  }
  return results;
}
