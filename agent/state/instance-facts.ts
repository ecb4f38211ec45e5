import { requirePlainFileName } from '../../shared/fs/plain-name.js';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import type { AgentContext } from '../agent-context.js';
import { aofManifestPath, DEFAULT_APPENDDIRNAME, DEFAULT_APPENDFILENAME } from '../aof/aof-manifest.js';
import { discoverLayout, type InstanceLayout } from '../redis/discover.js';
import { readInfo } from '../redis/info.js';
import type { ConnectedRedis } from '../redis/redis-client.js';
import { connectForRecovery } from './connect.js';
import { effectiveValue, readRedisConf, type RedisConf } from '../redis/redis-conf.js';
import { endpointOf, loadInstanceState, saveDiscoveredLayout, type InstanceState } from './instance-state.js';

/** Where a fact came from: the agent config, the running Redis, redis.conf, saved state, a Redis default. */
export type FactSource = 'config' | 'redis' | 'redis.conf' | 'state' | 'default';

/** Everything recovery needs to know about an instance, whether Redis is up or not. */
export interface InstanceFacts {
  instance: string;
  host: string;
  port: number;
  dir: string;
  dbfilename: string;
  appenddirname: string;
  appendfilename: string;
  configFile: string | null;
  /** `dir/dbfilename`. */
  rdbFile: string;
  /** `dir/appenddirname`. */
  aofDir: string;
  manifestPath: string;
  /**
   * The appendonly setting Redis will START with: redis.conf when it is known (Redis default
   * `no` when the file does not say), else the running server's, else the saved state's.
   */
  appendonly: boolean | null;
  appendonlyFrom: FactSource | 'unknown';
  /** The running server's value (CONFIG GET), null when Redis does not answer. */
  appendonlyLive: boolean | null;
  /** `replicaof`/`slaveof` of redis.conf (null when absent or "no one"). */
  replicaof: string | null;
  /** `maxmemory` of redis.conf in bytes (0: no limit); null when redis.conf is unknown. */
  maxmemory: number | null;
  role: string | null;
  redisVersion: string | null;
  runId: string | null;
  redisUp: boolean;
  /** Redis answers but is still loading its dataset. */
  loading: boolean;
  /** Why Redis did not answer (when it did not). */
  redisError: string | null;
  origin: Record<'dir' | 'dbfilename' | 'appenddirname' | 'appendfilename' | 'configFile', FactSource>;
  /** redis.conf could not be read or parsed cleanly. */
  confProblems: string[];
  state: InstanceState | null;
}

export { connectForRecovery } from './connect.js';

/**
 * Resolves an instance's facts. When Redis answers, they are discovered (CONFIG GET, INFO) and
 * saved to the instance state; when it is down, they are combined from the instance config
 * (explicit values win), redis.conf (the instance's configFile, else the one saved) and the saved
 * state. Throws CONFIG_INVALID naming what is missing when the data directory cannot be found.
 * Authentication failures are thrown (REDIS_AUTH): a Redis we cannot log into is not "down".
 */
export async function resolveInstanceFacts(ctx: AgentContext, instance: InstanceConfig): Promise<InstanceFacts> {
  const endpoint = endpointOf(instance);
  let live: { layout: InstanceLayout; appendfilename: string | null; loading: boolean } | null = null;
  let redisError: string | null = null;
  let redis: ConnectedRedis | null = null;
  try {
    redis = await connectForRecovery(instance);
  } catch (err) {
    if (err instanceof RedbackError && err.code === 'REDIS_AUTH') throw err;
    redisError = (err as Error).message;
  }
  if (redis) {
    try {
      const layout = await discoverLayout(redis, instance);
      const appendfilename = await configGetOne(redis, 'appendfilename');
      const persistence = await readInfo(redis, 'persistence');
      live = { layout, appendfilename, loading: persistence.loading === '1' };
    } finally {
      await redis.close();
    }
  }
  let state = await loadInstanceState(ctx, instance.name);
  if (live) {
    state = await saveDiscoveredLayout(ctx, instance, live.layout, { appendfilename: live.appendfilename });
  }

  const configFile = instance.configFile ?? live?.layout.configFile ?? state?.layout?.configFile ?? null;
  const confProblems: string[] = [];
  let conf: RedisConf | null = null;
  if (configFile) {
    try {
      conf = await readRedisConf(configFile);
      for (const e of conf.errors) confProblems.push(`${e.file}:${e.line}: ${e.message}`);
    } catch (err) {
      confProblems.push(`cannot read ${configFile}: ${(err as Error).message}`);
    }
  }
  const confValue = (name: string): string | null => (conf ? effectiveValue(conf, name, null) : null);
  const saved = state?.layout ?? null;

  const origin = {} as InstanceFacts['origin'];
  const pick = (key: 'dir' | 'dbfilename' | 'appenddirname' | 'appendfilename', redisDefault: string | null): string | null => {
    const explicit = key === 'appendfilename' ? undefined : instance[key];
    if (explicit) return (origin[key] = 'config'), explicit;
    const fromRedis = live ? (key === 'appendfilename' ? live.appendfilename : live.layout[key]) : null;
    if (fromRedis) return (origin[key] = 'redis'), fromRedis;
    const fromConf = confValue(key);
    if (fromConf) return (origin[key] = 'redis.conf'), key === 'dir' && configFile && !isAbsolute(fromConf) ? resolve(dirname(configFile), fromConf) : fromConf;
    if (saved?.[key]) return (origin[key] = 'state'), saved[key];
    if (key === 'dir' && conf && configFile && instance.control?.type === 'process') {
      // Redis's default dir is its working directory; redback's process control starts it in
      // the config file's directory.
      return (origin[key] = 'default'), dirname(resolve(configFile));
    }
    if (redisDefault !== null) return (origin[key] = 'default'), redisDefault;
    return null;
  };
  const dir = pick('dir', null);
  if (!dir && !live) {
    // The first thing to say is that Redis is not there: usually it is stopped or the url is wrong.
    const at = `${endpoint.host}:${endpoint.port}`;
    throw new RedbackError('REDIS_UNREACHABLE', `redis ${instance.name} at ${at} does not answer (${redisError ?? 'no reply'}); without it redback cannot tell where it keeps its data (${configFile ? `${configFile} has no "dir"` : 'no configFile is set'} and redback never saw it running)`, {
      hint: `start redis ${instance.name} or fix its url if it should be running at ${at}; if it is down and needs recovery, set "configFile" (or "dir") for instance ${instance.name} in the agent config`,
      details: { instance: instance.name, host: endpoint.host, port: endpoint.port },
    });
  }
  if (!dir) {
    throw new RedbackError('CONFIG_INVALID', `cannot tell where instance ${instance.name} keeps its data: redis does not answer (${redisError ?? 'unknown'}), ${configFile ? `${configFile} has no "dir"` : 'no configFile is set'} and redback never saw it running`, {
      hint: `set "configFile" (or "dir") for instance ${instance.name} in the agent config`,
      details: { instance: instance.name },
    });
  }
  // Names read from Redis, redis.conf or saved state: never a path that leaves the data directory.
  const plain = (key: 'dbfilename' | 'appenddirname' | 'appendfilename', fallback: string): string =>
    requirePlainFileName(pick(key, fallback)!, key, origin[key] ?? 'default');
  const dbfilename = plain('dbfilename', 'dump.rdb');
  const appenddirname = plain('appenddirname', DEFAULT_APPENDDIRNAME);
  const appendfilename = plain('appendfilename', DEFAULT_APPENDFILENAME);
  origin.configFile = instance.configFile ? 'config' : live?.layout.configFile ? 'redis' : saved?.configFile ? 'state' : 'default';

  let appendonly: boolean | null;
  let appendonlyFrom: InstanceFacts['appendonlyFrom'];
  if (conf) {
    appendonly = (confValue('appendonly') ?? 'no').toLowerCase() === 'yes';
    appendonlyFrom = 'redis.conf';
  } else if (live && live.layout.appendonly !== null) {
    appendonly = live.layout.appendonly;
    appendonlyFrom = 'redis';
  } else if (saved && saved.appendonly !== null) {
    appendonly = saved.appendonly;
    appendonlyFrom = 'state';
  } else {
    appendonly = null;
    appendonlyFrom = 'unknown';
  }
  const replicaRaw = confValue('replicaof') ?? confValue('slaveof');
  const replicaof = replicaRaw && replicaRaw.toLowerCase() !== 'no one' ? replicaRaw : null;
  const maxmemory = conf ? parseMemory(confValue('maxmemory') ?? '0') : null;

  const rdbFile = isAbsolute(dbfilename) ? dbfilename : join(dir, dbfilename);
  const aofDir = isAbsolute(appenddirname) ? appenddirname : join(dir, appenddirname);
  return {
    instance: instance.name,
    host: endpoint.host,
    port: endpoint.port,
    dir,
    dbfilename,
    appenddirname,
    appendfilename,
    configFile: configFile ? resolve(configFile) : null,
    rdbFile,
    aofDir,
    manifestPath: aofManifestPath(dir, appenddirname, appendfilename),
    appendonly,
    appendonlyFrom,
    appendonlyLive: live?.layout.appendonly ?? null,
    replicaof,
    maxmemory,
    role: live?.layout.role ?? saved?.role ?? null,
    redisVersion: live?.layout.redisVersion ?? saved?.redisVersion ?? null,
    runId: live?.layout.runId ?? null,
    redisUp: live !== null,
    loading: live?.loading ?? false,
    redisError,
    origin,
    confProblems,
    state,
  };
}

async function configGetOne(redis: ConnectedRedis, name: string): Promise<string | null> {
  try {
    const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
    return reply[1] ?? null;
  } catch {
    return null;
  }
}

/** Redis memory notation (memtoull): `100mb`, `1gb`, `1g` (10^9), `4096`; NaN when unparsable. */
export function parseMemory(text: string): number {
  const m = /^\s*(\d+)\s*(b|k|kb|m|mb|g|gb)?\s*$/i.exec(text);
  if (!m) return Number.NaN;
  const units: Record<string, number> = { b: 1, k: 1000, kb: 1024, m: 1_000_000, mb: 1024 ** 2, g: 1_000_000_000, gb: 1024 ** 3 };
  return Number(m[1]) * units[(m[2] ?? 'b').toLowerCase()]!;
}
