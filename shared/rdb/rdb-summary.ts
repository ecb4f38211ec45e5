/**
 * What redback learns from one pass over an RDB file without loading it (see rdb-reader.ts).
 */
export interface RdbDatabaseSummary {
  /** Keys counted while walking the file. */
  keys: number;
  /** Keys with an expire counted while walking the file. */
  expires: number;
  /** The RESIZEDB hint written right after SELECTDB (exact key count at snapshot time). */
  resizeKeys: number | null;
  resizeExpires: number | null;
}

/** Keys per database from an RDB summary (the RESIZEDB hints when present, else counted). */
export function keysOfSummary(summary: Pick<RdbSummary, 'databases'>): { keys: Record<string, number>; expires: Record<string, number> } {
  const keys: Record<string, number> = {};
  const expires: Record<string, number> = {};
  for (const [db, s] of Object.entries(summary.databases)) {
    keys[db] = s.resizeKeys ?? s.keys;
    expires[db] = s.resizeExpires ?? s.expires;
  }
  return { keys, expires };
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
  /** Keyed by database index. Only databases that hold keys appear. */
  databases: Record<number, RdbDatabaseSummary>;
  /** Total bytes of the file. */
  bytes: number;
  /** CRC-64 stored in the last 8 bytes; `0n` with `checksumDisabled` when written with `rdbchecksum no`. */
  storedChecksum: bigint;
  computedChecksum: bigint;
  checksumDisabled: boolean;
}
