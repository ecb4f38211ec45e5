/**
 * What redback learns from one pass over an RDB file without loading it (see rdb-reader.ts).
 */
export interface RdbDatabaseSummary {
  /** Keys Redis loads: counted while walking the file, without the empty ones. */
  keys: number;
  /** Of those, keys with an expire (counted, not the RESIZEDB hint). */
  expires: number;
  /** Keys with no elements (an empty list, set, hash...): Redis skips them on load. */
  emptyKeys: number;
  /**
   * Hashes with field expirations (RDB 12, Redis 7.4+): a Redis that drops expired fields on
   * load drops such a hash whole when every field has expired, without counting it as expired.
   */
  hashesWithFieldTtl: number;
  /** The RESIZEDB hint written right after SELECTDB (includes empty keys); informative only. */
  resizeKeys: number | null;
  resizeExpires: number | null;
}

/** Keys per database from an RDB summary, as Redis will load them (counted, not the RESIZEDB hints). */
export function keysOfSummary(summary: Pick<RdbSummary, 'databases'>): {
  keys: Record<string, number>;
  expires: Record<string, number>;
  hashesWithFieldTtl: Record<string, number>;
} {
  const keys: Record<string, number> = {};
  const expires: Record<string, number> = {};
  const hashesWithFieldTtl: Record<string, number> = {};
  for (const [db, s] of Object.entries(summary.databases)) {
    if (s.keys === 0) continue; // only empty keys (or a RESIZEDB hint): nothing Redis loads
    keys[db] = s.keys;
    expires[db] = s.expires;
    if (s.hashesWithFieldTtl > 0) hashesWithFieldTtl[db] = s.hashesWithFieldTtl;
  }
  return { keys, expires, hashesWithFieldTtl };
}

export interface RdbSummary {
  /** From the magic `REDIS00NN`. Redis 7.0 writes 10, 7.2 writes 11, 7.4+ writes 12. */
  rdbVersion: number;
  /** Every AUX field, value as a string (integers encoded in the RDB are given in decimal). */
  aux: Record<string, string>;
  redisVersion: string | null;
  /** AUX `ctime`, unix seconds: when Redis started writing the snapshot. */
  ctime: number | null;
  usedMem: number | null;
  /** AUX `aof-base`: the file is the base of a multi-part AOF. */
  aofBase: boolean;
  /** Keyed by database index. Only databases that hold keys (or empty keys) appear. */
  databases: Record<number, RdbDatabaseSummary>;
  /** Function libraries (Redis 7.0+). */
  functions: number;
  /** Of those, in the 7.0 release-candidate format (opcode 246): only Redis 7.0.x loads it. */
  preReleaseFunctions: number;
  /** Total bytes of the file. */
  bytes: number;
  /** CRC-64 stored in the last 8 bytes; `0n` with `checksumDisabled` when written with `rdbchecksum no`. */
  storedChecksum: bigint;
  computedChecksum: bigint;
  checksumDisabled: boolean;
}
