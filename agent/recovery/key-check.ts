import { infoNumber, type InfoFields } from '../redis/info.js';
import { totalKeysOf, type ExpectedRdb } from './restore-source.js';

export interface KeyCheck {
  /** Empty when the loaded data matches the manifest. */
  problems: string[];
  /** Keys per database that Redis holds now. */
  found: Record<string, number>;
  total: number;
  keysLoaded: number | null;
  keysExpired: number | null;
}

/**
 * Compares what a Redis that just loaded an RDB holds (INFO persistence and keyspace) with the
 * source's manifest; the one check of restores (verify-keys) and drills.
 *
 * - rdb_last_load_keys_loaded + rdb_last_load_keys_expired must equal the manifest's total, less
 *   up to its hashes with field TTLs (dropped whole, uncounted, when every field expired);
 * - per database, no more keys than the manifest and no fewer than it minus its keys with a TTL
 *   and hashes with field TTLs (they may expire between the snapshot and the load).
 */
export function checkKeys(expected: Pick<ExpectedRdb, 'keys' | 'expires' | 'hashesWithFieldTtl'>, persistence: InfoFields, keyspace: Record<string, { keys: number }>): KeyCheck {
  const expectedTotal = totalKeysOf(expected.keys);
  const hashesWithFieldTtl = expected.hashesWithFieldTtl ?? {};
  const mayVanish = totalKeysOf(hashesWithFieldTtl);
  const keysLoaded = infoNumber(persistence, 'rdb_last_load_keys_loaded');
  const keysExpired = infoNumber(persistence, 'rdb_last_load_keys_expired');
  const problems: string[] = [];
  if (keysLoaded !== null && keysExpired !== null) {
    const seen = keysLoaded + keysExpired;
    if (seen > expectedTotal || seen < expectedTotal - mayVanish) {
      problems.push(`redis loaded ${keysLoaded} keys and skipped ${keysExpired} expired ones, the manifest has ${expectedTotal}${mayVanish > 0 ? ` (${mayVanish} of them hashes with field TTLs that may vanish)` : ''}`);
    }
  }
  const found: Record<string, number> = {};
  for (const [db, v] of Object.entries(keyspace)) found[db] = v.keys;
  const dbs = new Set([...Object.keys(expected.keys), ...Object.keys(keyspace)]);
  for (const db of [...dbs].sort((a, b) => Number(a) - Number(b))) {
    const want = expected.keys[db] ?? 0;
    const ttl = expected.expires[db] ?? 0;
    const hfe = hashesWithFieldTtl[db] ?? 0;
    const have = keyspace[db]?.keys ?? 0;
    if (have > want || have < want - ttl - hfe) problems.push(`db${db} has ${have} keys, the manifest ${want} (${ttl} with a TTL${hfe > 0 ? `, ${hfe} hashes with field TTLs` : ''})`);
  }
  return { problems, found, total: totalKeysOf(found), keysLoaded, keysExpired };
}
