import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

export interface RedisServerOptions {
  /** Directory for data and redis.conf; created if missing. */
  dir: string;
  port?: number;
  appendonly?: boolean;
  appendfsync?: 'always' | 'everysec' | 'no';
  password?: string;
  /** Extra redis.conf lines. */
  extraConfig?: string[];
  /** The redis.conf name inside dir (default redis.conf). */
  confName?: string;
  /** Start with the settings as command-line arguments and no redis.conf (CONFIG REWRITE then fails). */
  noConfigFile?: boolean;
  /** How to check readiness when the plain port is off or the default user is disabled. */
  readyProbe?: { port?: number; username?: string; password?: string; tls?: { ca: string; cert?: string; key?: string } };
}

/**
 * A real redis-server for tests: its own port, data directory and redis.conf (so CONFIG REWRITE
 * works), started as a child process and stopped by `stop()`.
 */
export class TestRedisServer {
  readonly dir: string;
  readonly confPath: string;
  port = 0;
  private child: ChildProcess | null = null;
  private readonly options: RedisServerOptions;
  private clients: Redis[] = [];

  constructor(options: RedisServerOptions) {
    this.options = options;
    this.dir = options.dir;
    this.confPath = join(options.dir, options.confName ?? 'redis.conf');
  }

  static async start(options: RedisServerOptions): Promise<TestRedisServer> {
    const server = new TestRedisServer(options);
    server.port = options.port ?? (await freePort());
    server.writeConfig();
    await server.startProcess();
    return server;
  }

  get url(): string {
    return this.options.password ? `redis://:${this.options.password}@127.0.0.1:${this.port}` : `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  writeConfig(): void {
    mkdirSync(this.dir, { recursive: true });
    const lines = [
      `port ${this.port}`,
      'bind 127.0.0.1',
      `dir ${this.dir}`,
      'dbfilename dump.rdb',
      'save ""',
      `appendonly ${this.options.appendonly ? 'yes' : 'no'}`,
      `appendfsync ${this.options.appendfsync ?? 'everysec'}`,
      'daemonize no',
      `logfile ${join(this.dir, 'redis.log')}`,
      'enable-protected-configs yes',
      ...(this.options.password ? [`requirepass ${this.options.password}`] : []),
      ...(this.options.extraConfig ?? []),
    ];
    writeFileSync(this.confPath, lines.join('\n') + '\n');
  }

  async startProcess(): Promise<void> {
    const args = this.options.noConfigFile ? confAsArgs(readFileSync(this.confPath, 'utf8')) : [this.confPath];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    this.child = child;
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}; see ${join(this.dir, 'redis.log')}`);
      const ready = this.options.readyProbe;
      const probe = new Redis({
        port: ready?.port ?? this.port,
        host: '127.0.0.1',
        username: ready?.username,
        password: ready?.password ?? this.options.password,
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        ...(ready?.tls
          ? {
              tls: {
                ca: readFileSync(ready.tls.ca),
                ...(ready.tls.cert ? { cert: readFileSync(ready.tls.cert), key: readFileSync(ready.tls.key!) } : {}),
              },
            }
          : {}),
      });
      probe.on('error', () => undefined);
      try {
        await probe.connect();
        const info = (await probe.info('persistence')) as string;
        return /loading:0/.test(info);
      } catch {
        return false;
      } finally {
        probe.disconnect();
      }
    }, 20_000);
  }

  /** A client (closed by stop()). */
  client(db = 0): Redis {
    const client = new Redis({ port: this.port, host: '127.0.0.1', password: this.options.password, db, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  /** SIGKILL, as a crash would. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.disconnect();
    this.clients = [];
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** `save ""` / `port 1234` lines → `--save '' --port 1234`. */
function confAsArgs(text: string): string[] {
  const args: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\S+)\s+(.*)$/.exec(line.trim());
    if (!m) continue;
    args.push(`--${m[1]}`, ...m[2]!.split(/\s+/).map((v) => (v === '""' ? '' : v)));
  }
  return args;
}

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs = 10_000, intervalMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs}ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
