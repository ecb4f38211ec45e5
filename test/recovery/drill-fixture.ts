import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createAgentContext, type AgentContext } from '../../agent/agent-context.js';
import { controllerFor, controlStateDir } from '../../agent/recovery/instance-control.js';
import { BackupLayout } from '../../agent/store/layout.js';
import { loadAgentConfig, type InstanceConfig } from '../../shared/config/agent-config.js';
import { silentLogger } from '../../shared/log/logger.js';
import { killLeftovers } from '../control/control-fixture.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { fillAllTypes } from '../helpers/fill-redis.js';
import { freePort } from '../helpers/ports.js';
import { TestRedisServer } from '../helpers/redis-server.js';

/**
 * One drill: a real redis-server (first the harness' child, so data can be written and it can be
 * killed like a crash), an agent config that controls the instance with `control: {type:
 * process}` (its configFile is the harness' redis.conf), and helpers to inflict damage and check
 * the data afterwards.
 */
export class Drill {
  server: TestRedisServer | null = null;
  readonly redisDir: string;
  readonly backupDir: string;
  readonly configPath: string;
  readonly name = 'drill';
  port = 0;

  constructor(readonly root: string) {
    this.redisDir = join(root, 'redis');
    this.backupDir = join(root, 'backups');
    this.configPath = join(root, 'agent.yaml');
  }

  static async create(root: string, options: { appendonly?: boolean; extraConfig?: string[] } = {}): Promise<Drill> {
    const drill = new Drill(root);
    drill.port = await freePort();
    drill.server = await TestRedisServer.start({
      dir: drill.redisDir,
      port: drill.port,
      appendonly: options.appendonly ?? true,
      appendfsync: 'always',
      ...(options.extraConfig ? { extraConfig: options.extraConfig } : {}),
    });
    writeAgentConfig(root, {
      backupDir: drill.backupDir,
      schedules: { hourly: null, daily: null },
      instances: [{ name: drill.name, url: `redis://127.0.0.1:${drill.port}`, configFile: drill.server.confPath, control: { type: 'process' } }],
    });
    return drill;
  }

  get confPath(): string {
    return join(this.redisDir, 'redis.conf');
  }

  get rdbFile(): string {
    return join(this.redisDir, 'dump.rdb');
  }

  get aofDir(): string {
    return join(this.redisDir, 'appendonlydir');
  }

  ctx(): AgentContext {
    return createAgentContext(loadAgentConfig(this.configPath), silentLogger);
  }

  instance(ctx = this.ctx()): InstanceConfig {
    return ctx.config.instances[0]!;
  }

  client(db = 0): Redis {
    const c = new Redis({ port: this.port, host: '127.0.0.1', db, lazyConnect: false, maxRetriesPerRequest: 1, retryStrategy: () => null });
    c.on('error', () => undefined);
    return c;
  }

  /** The dataset every drill writes: all types, TTLs, several databases. */
  async fill(seed = 'd'): Promise<void> {
    const c = this.client();
    try {
      await fillAllTypes(c, { dbs: [0, 3, 9], perType: 12, seed });
      await c.select(3);
      await c.incrby(`${seed}:counter`, 41);
      await c.lpush(`${seed}:list:0`, 'pushed-later');
      await c.hset(`${seed}:hash:0`, 'added', 'later');
      await c.zincrby(`${seed}:zset:0`, 10, 'a');
      await c.xadd(`${seed}:stream:0`, '*', 'second', 'entry');
      await c.del(`${seed}:str:1`);
      await c.expire(`${seed}:hash:2`, 7200);
      await c.persist(`${seed}:ttl:3`);
    } finally {
      c.disconnect();
    }
  }

  /** kill -9 of the harness' redis (a crash). */
  async crash(): Promise<void> {
    await this.server?.kill9();
  }

  /** Runs the redback CLI against this drill's config. */
  cli(args: string[], timeoutMs = 60_000): Promise<CliResult> {
    return runCli(['agent', ...args, '--config', this.configPath, '--instance', this.name], { timeoutMs });
  }

  async cleanup(): Promise<void> {
    try {
      const ctx = this.ctx();
      const controller = controllerFor(ctx, this.instance(ctx), { configFile: this.confPath, host: '127.0.0.1', port: this.port });
      await controller.stop().catch(() => undefined);
    } catch {
      // best effort
    }
    killLeftovers([controlStateDir({ layout: new BackupLayout(this.backupDir) }, this.name)]);
    await this.server?.stop();
  }
}

export type Dataset = Record<string, Record<string, { type: string; value: unknown; ttl: boolean }>>;

/** Every key of every database, read by type, with whether it has a TTL. */
export async function captureDataset(port: number): Promise<Dataset> {
  const main = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  main.on('error', () => undefined);
  const out: Dataset = {};
  try {
    const keyspace = (await main.info('keyspace')) as string;
    const dbs = [...keyspace.matchAll(/^db(\d+):/gm)].map((m) => Number(m[1]));
    for (const db of dbs) {
      const c = new Redis({ port, host: '127.0.0.1', db, maxRetriesPerRequest: 1, retryStrategy: () => null });
      c.on('error', () => undefined);
      try {
        const entries: Dataset[string] = {};
        let cursor = '0';
        do {
          const [next, keys] = await c.scan(cursor, 'COUNT', 1000);
          cursor = next;
          for (const key of keys) {
            const type = await c.type(key);
            let value: unknown;
            if (type === 'string') value = await c.get(key);
            else if (type === 'hash') value = await c.hgetall(key);
            else if (type === 'list') value = await c.lrange(key, 0, -1);
            else if (type === 'set') value = (await c.smembers(key)).sort();
            else if (type === 'zset') value = await c.zrange(key, 0, -1, 'WITHSCORES');
            else if (type === 'stream') value = await c.xrange(key, '-', '+');
            else value = await c.dump(key);
            entries[key] = { type, value, ttl: (await c.pttl(key)) > 0 };
          }
        } while (cursor !== '0');
        out[String(db)] = entries;
      } finally {
        c.disconnect();
      }
    }
  } finally {
    main.disconnect();
  }
  return out;
}

export function keyCount(data: Dataset): number {
  return Object.values(data).reduce((n, db) => n + Object.keys(db).length, 0);
}

/** Size, mtime and SHA-256 of every file under `dir` (what a dry run must not change). */
export function fingerprint(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const st = statSync(p);
        out[p] = `${st.size}:${st.mtimeMs}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
      }
    }
  };
  walk(dir);
  return out;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export async function configGet(port: number, name: string): Promise<string> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    return ((await c.call('CONFIG', 'GET', name)) as string[])[1] ?? '';
  } finally {
    c.disconnect();
  }
}

/** The effective `appendonly` of a redis.conf on disk (last occurrence). */
export function confAppendonly(path: string): string | null {
  const lines = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => /^appendonly\s/i.test(l));
  return lines.length ? lines[lines.length - 1]!.split(/\s+/)[1]! : null;
}
