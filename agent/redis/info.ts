import type { RedisCommander } from './redis-client.js';

export type InfoFields = Record<string, string>;

/** Parses the text of INFO into `field -> value`; section headers and blank lines are skipped. */
export function parseInfo(text: string): InfoFields {
  const fields: InfoFields = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

export async function readInfo(redis: RedisCommander, section?: string): Promise<InfoFields> {
  const text = (await (section ? redis.call('INFO', section) : redis.call('INFO'))) as string;
  return parseInfo(text);
}

/** `db0:keys=3,expires=1,avg_ttl=0` → `{ '0': { keys: 3, expires: 1 } }`. */
export function parseKeyspace(fields: InfoFields): Record<string, { keys: number; expires: number }> {
  const out: Record<string, { keys: number; expires: number }> = {};
  for (const [field, value] of Object.entries(fields)) {
    const db = /^db(\d+)$/.exec(field);
    if (!db) continue;
    const parts = Object.fromEntries(value.split(',').map((kv) => kv.split('=') as [string, string]));
    out[db[1]!] = { keys: Number(parts.keys ?? 0), expires: Number(parts.expires ?? 0) };
  }
  return out;
}

export function infoNumber(fields: InfoFields, name: string): number | null {
  const value = fields[name];
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
