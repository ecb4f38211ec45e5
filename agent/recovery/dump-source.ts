import { stat } from 'node:fs/promises';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import type { RdbSummary } from '../../shared/rdb/rdb-summary.js';
import type { AgentContext } from '../agent-context.js';
import { runCopyPipeline } from '../snapshot/copy-pipeline.js';
import { keysOfSummary } from '../../shared/rdb/rdb-summary.js';
import { fetchFileVerified, registerRestoreSource, type ExpectedRdb, type RestoreSource } from './restore-source.js';

/** What one read of dump.rdb found. */
export interface DumpInspection {
  path: string;
  exists: boolean;
  bytes: number | null;
  mtime: string | null;
  /** True when the whole file parsed and its CRC-64 matched. */
  valid: boolean;
  problem: string | null;
  summary: RdbSummary | null;
  /** What a restore from it must find again (null when invalid). */
  expected: ExpectedRdb | null;
}

/**
 * Reads dump.rdb once (SHA-256, structure, CRC-64) without changing it. Missing or invalid files
 * are reported, not thrown.
 */
export async function inspectDump(path: string): Promise<DumpInspection> {
  const info = await stat(path).catch(() => null);
  if (!info || !info.isFile()) return { path, exists: false, bytes: null, mtime: null, valid: false, problem: 'missing', summary: null, expected: null };
  const base = { path, exists: true, bytes: info.size, mtime: info.mtime.toISOString() };
  try {
    const result = await runCopyPipeline(path);
    const { keys, expires, hashesWithFieldTtl } = keysOfSummary(result.summary);
    const snapshotAt = result.summary.ctime !== null ? new Date(result.summary.ctime * 1000).toISOString() : info.mtime.toISOString();
    return {
      ...base,
      valid: true,
      problem: result.summary.checksumDisabled ? 'written with rdbchecksum no: structure checked, no CRC' : null,
      summary: result.summary,
      expected: { sha256: result.sha256, bytes: result.bytes, keys, expires, ...(Object.keys(hashesWithFieldTtl).length > 0 ? { hashesWithFieldTtl } : {}), usedMem: result.summary.usedMem, rdbVersion: result.summary.rdbVersion, snapshotAt },
    };
  } catch (err) {
    if (err instanceof RedbackError && (err.code === 'RDB_CORRUPT' || err.code === 'RDB_UNSUPPORTED' || err.code === 'NOT_FOUND')) {
      return { ...base, valid: false, problem: err.message, summary: null, expected: null };
    }
    throw err;
  }
}

/** The instance's own dump.rdb as a restore source (S10: the newest local RDB). */
export function dumpSource(ctx: AgentContext, path: string, expected: ExpectedRdb): RestoreSource {
  return {
    kind: 'dump',
    id: 'dump.rdb',
    expected,
    descriptor: { kind: 'dump', id: 'dump.rdb', path, expected },
    describe: () => `the instance's own ${path} (snapshot ${expected.snapshotAt ?? 'time unknown'})`,
    fetch: (destination, onProgress, fetchOptions) =>
      fetchFileVerified(`${path}`, path, expected, destination, {
        allowUnchecksummed: ctx.config.snapshot.allowUnchecksummed,
        durable: fetchOptions?.durable !== false,
        ...(onProgress ? { onProgress } : {}),
      }),
  };
}

registerRestoreSource('dump', async (ctx: AgentContext, _instance: InstanceConfig, descriptor) => {
  const path = descriptor.path;
  const expected = descriptor.expected as ExpectedRdb | undefined;
  if (typeof path !== 'string' || !expected) throw new RedbackError('INTERNAL', 'dump source descriptor without path or expected values');
  return dumpSource(ctx, path, expected);
});
