import type { Redis } from 'ioredis';

/**
 * Writes a known dataset with every data type into several databases, returns the expected key
 * count per database. Deterministic for a given seed.
 */
export async function fillAllTypes(client: Redis, options: { dbs?: number[]; perType?: number; seed?: string } = {}): Promise<Record<string, number>> {
  const dbs = options.dbs ?? [0, 3];
  const n = options.perType ?? 20;
  const seed = options.seed ?? 's';
  const counts: Record<string, number> = {};
  for (const db of dbs) {
    await client.select(db);
    const p = client.pipeline();
    for (let i = 0; i < n; i++) {
      p.set(`${seed}:str:${i}`, `value-${db}-${i}-${'x'.repeat(i % 50)}`);
      p.set(`${seed}:int:${i}`, String(i * 1000));
      p.hset(`${seed}:hash:${i}`, { a: String(i), b: `b${i}`, c: 'c'.repeat(i) });
      p.rpush(`${seed}:list:${i}`, 'one', 'two', String(i));
      p.sadd(`${seed}:set:${i}`, 'x', 'y', String(i));
      p.zadd(`${seed}:zset:${i}`, 1, 'a', 2.5, 'b', i, `m${i}`);
      p.xadd(`${seed}:stream:${i}`, '*', 'field', `v${i}`, 'other', 'w');
      p.set(`${seed}:ttl:${i}`, `expiring-${i}`, 'EX', 3600 + i);
    }
    await p.exec();
    counts[String(db)] = n * 8;
  }
  await client.select(0);
  return counts;
}

/** Writes `count` string keys of `valueBytes` random bytes each (poorly compressible). */
export async function fillRandom(client: Redis, count: number, valueBytes: number, prefix = 'r'): Promise<void> {
  const { randomBytes } = await import('node:crypto');
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    const p = client.pipeline();
    for (let i = start; i < Math.min(count, start + batch); i++) p.set(`${prefix}:${i}`, randomBytes(valueBytes));
    await p.exec();
  }
}
