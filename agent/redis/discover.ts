import { requirePlainFileName } from '../../shared/fs/plain-name.js';
import { isAbsolute, join } from 'node:path';
import { RedbackError } from '../../shared/errors/index.js';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { readInfo } from './info.js';
import type { RedisCommander } from './redis-client.js';

/** Where an instance keeps its data, and what it is. Discovered from Redis, overridden by config. */
export interface InstanceLayout {
  dir: string;
  dbfilename: string;
  appenddirname: string;
  configFile: string | null;
  redisVersion: string;
  runId: string;
  port: number | null;
  pid: number | null;
  role: string;
  appendonly: boolean | null;
  appendfsync: string | null;
  save: string | null;
  rdbchecksum: boolean | null;
}

/** Absolute path of the live RDB (`dir/dbfilename`). */
export function rdbPath(layout: Pick<InstanceLayout, 'dir' | 'dbfilename'>): string {
  return isAbsolute(layout.dbfilename) ? layout.dbfilename : join(layout.dir, layout.dbfilename);
}

export function aofDirPath(layout: Pick<InstanceLayout, 'dir' | 'appenddirname'>): string {
  return join(layout.dir, layout.appenddirname);
}

/**
 * Asks Redis for `dir`, `dbfilename`, `appenddirname` (CONFIG GET) and the config file, version
 * and run id (INFO server). Values set in the instance config win; if CONFIG is renamed or denied
 * and a value is not configured, the error says which key to set.
 */
export async function discoverLayout(redis: RedisCommander, instance: InstanceConfig): Promise<InstanceLayout> {
  const server = await readInfo(redis, 'server');
  const replication = await readInfo(redis, 'replication').catch(() => ({}) as Record<string, string>);
  let config: Record<string, string> = {};
  let configError: unknown = null;
  try {
    const reply = (await redis.call(
      'CONFIG',
      'GET',
      'dir',
      'dbfilename',
      'appenddirname',
      'appendonly',
      'appendfsync',
      'save',
      'rdbchecksum',
    )) as string[];
    for (let i = 0; i + 1 < reply.length; i += 2) config[reply[i]!] = reply[i + 1]!;
  } catch (err) {
    configError = err;
    config = {};
  }
  const pick = (key: 'dir' | 'dbfilename' | 'appenddirname'): string => {
    const value = instance[key] ?? config[key];
    if (value) return key === 'dir' ? value : requirePlainFileName(value, key, instance[key] ? 'the agent config' : `CONFIG GET of ${instance.name}`);
    if (key === 'appenddirname') return 'appendonlydir';
    throw new RedbackError('REDIS_ERROR', `cannot discover ${key} of instance ${instance.name}: CONFIG GET failed (${(configError as Error | null)?.message ?? 'no value'})`, {
      hint: `set "${key}" for instance ${instance.name} in the agent config (CONFIG may be renamed or denied to this user)`,
    });
  };
  const flag = (v: string | undefined): boolean | null => (v === undefined ? null : v === 'yes');
  return {
    dir: pick('dir'),
    dbfilename: pick('dbfilename'),
    appenddirname: pick('appenddirname'),
    configFile: instance.configFile ?? (server.config_file || null),
    redisVersion: server.redis_version ?? 'unknown',
    runId: server.run_id ?? '',
    port: server.tcp_port ? Number(server.tcp_port) : null,
    pid: server.process_id ? Number(server.process_id) : null,
    role: (replication as Record<string, string>).role ?? 'unknown',
    appendonly: flag(config.appendonly),
    appendfsync: config.appendfsync ?? null,
    save: config.save ?? null,
    rdbchecksum: flag(config.rdbchecksum),
  };
}
