import { REPORTED_SETTING_PATTERNS } from '../../shared/policy/persistence-policy.js';
import type { RedisCommander } from '../redis/redis-client.js';

/**
 * The persistence settings a policy can name, as the server runs with them right now (one
 * CONFIG GET per pattern, pipelined on the connection): what heartbeats report for drift.
 */
export async function readPersistenceSettings(redis: RedisCommander): Promise<Record<string, string>> {
  const replies = await Promise.all(REPORTED_SETTING_PATTERNS.map((p) => redis.call('CONFIG', 'GET', p) as Promise<string[]>));
  const settings: Record<string, string> = {};
  for (const reply of replies) for (let i = 0; i + 1 < reply.length; i += 2) settings[reply[i]!] = reply[i + 1]!;
  return settings;
}
