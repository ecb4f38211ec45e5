import { unlink } from 'node:fs/promises';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { crc64Hex } from '../../shared/rdb/crc64.js';
import type { RdbSummary } from '../../shared/rdb/rdb-summary.js';
import type { AgentContext } from '../agent-context.js';
import { runCopyPipeline } from '../snapshot/copy-pipeline.js';

/**
 * Where the data of a restore comes from. A restore never reads its source while Redis runs on
 * the result: `fetch` first writes the bytes to a staged file next to the live data and verifies
 * them (SHA-256 against the source's manifest, and the RDB's own structure and CRC-64), all BEFORE
 * Redis is touched. Kinds:
 *
 * - `local-copy`: a copy in the local backup directory (agent/recovery/local-copy-source.ts);
 * - `dump`: the instance's own dump.rdb, when it is valid and newer than every copy (S10);
 * - `offsite`, `remote`: an offsite set in S3, another agent's copy (plug in with
 *   registerRestoreSource);
 * - `aof-archive`: the continuous AOF archive replayed to a second (aof-archive-source.ts); it
 *   learns the key counts only by building the RDB, so its fetch returns `expected`.
 */
export interface RestoreSource {
  kind: SourceKind;
  /** Copy id, `dump.rdb`, offsite set id, ... */
  id: string;
  /** One line for humans: `local copy 20261124T031500Z-3fa9c1 (hourly, snapshot 2026-11-24T03:15:00Z)`. */
  describe(): string;
  expected: ExpectedRdb;
  /** JSON that rebuilds this source after a restart of the agent (resume). */
  descriptor: SourceDescriptor;
  /**
   * Writes the bytes to `destination` (created exclusively) and verifies them; throws
   * VERIFY_FAILED / RDB_CORRUPT (leaving no file behind) when they do not match `expected`.
   */
  fetch(destination: string, onProgress?: (done: number, total: number) => void, options?: FetchOptions): Promise<FetchResult>;
  /**
   * Sources that carry the instance's redis.conf and ACL file (offsite sets) write them, verified,
   * into `dir` and say which is which; absent for sources that hold an RDB only.
   */
  fetchConfigFiles?(dir: string): Promise<ConfigFile[]>;
  /**
   * Sources that carry the instance's AOF directory as it was pinned (offsite sets taken with
   * appendonly on): its manifest's file name and how many files it has; null/absent otherwise.
   */
  aof?: SourceAof | null;
  /**
   * Writes every file of the pinned AOF directory into `dir` (created), each checked against the
   * source's size and SHA-256 (VERIFY_FAILED otherwise); the caller runs redis-check-aof on it.
   */
  fetchAof?(dir: string): Promise<void>;
}

export interface SourceAof {
  /** `appendonly.aof.manifest`. */
  manifestName: string;
  /** Files of the pinned directory, its manifest included. */
  files: number;
}

/** A redis.conf or ACL file a source wrote (`path`), and its name on the original host. */
export interface ConfigFile {
  kind: 'config' | 'acl';
  name: string;
  path: string;
}

export interface FetchOptions {
  /** fdatasync the staged file before returning (default true). */
  durable?: boolean;
}

export type SourceKind = 'local-copy' | 'dump' | 'offsite' | 'remote' | 'aof-archive';

/** What the source's manifest promises about the RDB. */
export interface ExpectedRdb {
  sha256: string;
  bytes: number;
  /** Keys per database at snapshot time; `expires` likewise. */
  keys: Record<string, number>;
  expires: Record<string, number>;
  /** Hashes with field TTLs per database (they may vanish on load when every field expired); absent = none. */
  hashesWithFieldTtl?: Record<string, number>;
  usedMem: number | null;
  rdbVersion: number;
  /** ISO time Redis wrote the snapshot (AUX ctime), or the best known substitute. */
  snapshotAt: string | null;
}

export interface FetchResult {
  sha256: string;
  bytes: number;
  summary: RdbSummary;
  /** Sources that know what the RDB holds only once it is built (aof-archive): the runbook verifies against this. */
  expected?: ExpectedRdb;
  /** What the fetch did, one line each (the runbook's step notes print them). */
  notes?: string[];
}

export interface SourceDescriptor {
  kind: SourceKind;
  id: string;
  /** Kind-specific fields (path, expected values, bucket, ...). */
  [field: string]: unknown;
}

export type SourceOpener = (ctx: AgentContext, instance: InstanceConfig, descriptor: SourceDescriptor) => Promise<RestoreSource>;

const openers = new Map<SourceKind, SourceOpener>();

/** Makes a kind of source available to restores (offsite and remote sources register here). */
export function registerRestoreSource(kind: SourceKind, opener: SourceOpener): void {
  openers.set(kind, opener);
}

/** Rebuilds a source from its descriptor (a resumed run, or a plan made elsewhere). */
export async function openRestoreSource(ctx: AgentContext, instance: InstanceConfig, descriptor: SourceDescriptor): Promise<RestoreSource> {
  const opener = openers.get(descriptor.kind);
  if (!opener) {
    throw new RedbackError('NOT_FOUND', `restore sources of kind "${descriptor.kind}" are not available in this agent`, {
      hint: 'pick a local copy with --backup ID, or update redback',
    });
  }
  return opener(ctx, instance, descriptor);
}

export function totalKeysOf(keys: Record<string, number>): number {
  return Object.values(keys).reduce((a, b) => a + b, 0);
}


/**
 * The fetch shared by file-based sources: one pass of the copy pipeline, which has the kernel
 * copy the open source file to `destination` while it reads the same open file once for SHA-256,
 * the structure and the CRC-64 (fsync'ed when `durable`); then the results are compared with
 * `expected`. Whatever fails, no staged file is left behind.
 */
export async function fetchFileVerified(
  label: string,
  path: string,
  expected: ExpectedRdb,
  destination: string,
  options: { allowUnchecksummed: boolean; crc64?: string; durable?: boolean; onProgress?: (done: number, total: number) => void },
): Promise<FetchResult> {
  let result;
  try {
    result = await runCopyPipeline(path, {
      destination,
      durable: options.durable !== false,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (err) {
    await unlink(destination).catch(() => undefined);
    if (err instanceof RedbackError && err.code === 'RDB_CORRUPT') {
      throw new RedbackError('RDB_CORRUPT', `${label} is corrupt: ${err.message}`, {
        hint: 'nothing was changed; pick another copy with --backup ID (redback agent list), or run redback agent verify',
        details: { path },
      });
    }
    throw err;
  }
  const problems: string[] = [];
  if (result.bytes !== expected.bytes) problems.push(`size is ${result.bytes}, expected ${expected.bytes}`);
  if (result.sha256 !== expected.sha256) problems.push(`sha256 ${result.sha256.slice(0, 16)}… differs from the manifest's ${expected.sha256.slice(0, 16)}…`);
  if (result.summary.rdbVersion !== expected.rdbVersion) problems.push(`rdb version ${result.summary.rdbVersion}, manifest says ${expected.rdbVersion}`);
  const crc = crc64Hex(result.summary.storedChecksum);
  if (options.crc64 && crc !== options.crc64) problems.push(`crc64 trailer ${crc} differs from the manifest's ${options.crc64}`);
  if (result.summary.checksumDisabled && !options.allowUnchecksummed) problems.push('the RDB has no CRC-64 (rdbchecksum no) so it cannot be verified');
  if (problems.length > 0) {
    await unlink(destination).catch(() => undefined);
    throw new RedbackError('VERIFY_FAILED', `${label} failed verification: ${problems.join('; ')}`, {
      hint: 'nothing was changed; pick another copy with --backup ID (redback agent list), or run redback agent verify',
      details: { path, problems },
    });
  }
  return { sha256: result.sha256, bytes: result.bytes, summary: result.summary };
}
