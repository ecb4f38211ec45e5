/**
 * `redback inspect FILE`: what an RDB file holds, read in one pass without loading it (rdb-reader.ts).
 */
import { stat } from 'node:fs/promises';
import { RedbackError, storageError } from '../errors/index.js';
import { crc64Hex } from './crc64.js';
import { readRdbFile } from './rdb-reader.js';

/** The oldest Redis that writes (and so loads) each RDB format version. */
const FIRST_REDIS_OF_VERSION: Record<number, string> = { 5: '2.6', 6: '2.8', 7: '3.2', 8: '4.0', 9: '5.0', 10: '7.0', 11: '7.2', 12: '7.4' };

export interface RdbInspection {
  path: string;
  bytes: number;
  rdbVersion: number;
  /** "Redis 7.0 and later" style: which servers can load the file. */
  loadableBy: string;
  redisVersion: string | null;
  /** AUX ctime as ISO 8601 UTC. */
  createdAt: string | null;
  usedMem: number | null;
  aofBase: boolean;
  /** Per database: what Redis loads (keys, of them with an expire), and what it skips. */
  databases: Record<string, { keys: number; expires: number; emptyKeys: number; hashesWithFieldTtl: number }>;
  totalKeys: number;
  functions: number;
  preReleaseFunctions: number;
  checksum: { status: 'ok' | 'disabled'; crc64: string };
  aux: Record<string, string>;
}

/**
 * Reads an RDB file completely. Throws NOT_FOUND / STORAGE_* for I/O, RDB_CORRUPT for a damaged
 * or truncated file (or one that is not an RDB), RDB_UNSUPPORTED for a format redback does not read.
 */
export async function inspectRdbFile(path: string): Promise<RdbInspection> {
  const info = await stat(path).catch((err: unknown) => {
    throw storageError(err, 'open', path);
  });
  if (!info.isFile()) throw new RedbackError('USAGE', `${path} is not a regular file`, { hint: 'give the path of an RDB file, e.g. /var/lib/redis/dump.rdb' });
  let s;
  try {
    s = await readRdbFile(path);
  } catch (err) {
    // Name the file in the one line the user sees; keep the code, hint and details.
    if (err instanceof RedbackError && (err.code === 'RDB_CORRUPT' || err.code === 'RDB_UNSUPPORTED')) {
      throw new RedbackError(err.code, `${path}: ${err.message}`, { hint: err.hint, details: err.details, cause: err });
    }
    throw err;
  }
  const databases: RdbInspection['databases'] = {};
  let totalKeys = 0;
  for (const [db, d] of Object.entries(s.databases)) {
    databases[db] = { keys: d.keys, expires: d.expires, emptyKeys: d.emptyKeys, hashesWithFieldTtl: d.hashesWithFieldTtl };
    totalKeys += d.keys;
  }
  const first = FIRST_REDIS_OF_VERSION[s.rdbVersion];
  let loadableBy = first ? `Redis ${first} and later` : 'unknown';
  if (s.preReleaseFunctions > 0) loadableBy = 'Redis 7.0.x only (functions in the 7.0 pre-release format: Redis 7.2 and later refuse the file)';
  return {
    path,
    bytes: s.bytes,
    rdbVersion: s.rdbVersion,
    loadableBy,
    redisVersion: s.redisVersion,
    createdAt: s.ctime === null ? null : new Date(s.ctime * 1000).toISOString(),
    usedMem: s.usedMem,
    aofBase: s.aofBase,
    databases,
    totalKeys,
    functions: s.functions,
    preReleaseFunctions: s.preReleaseFunctions,
    checksum: { status: s.checksumDisabled ? 'disabled' : 'ok', crc64: crc64Hex(s.checksumDisabled ? s.computedChecksum : s.storedChecksum) },
    aux: s.aux,
  };
}
