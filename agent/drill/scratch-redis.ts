import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedbackError } from '../../shared/errors/index.js';
import { connectRedis, type ConnectedRedis } from '../redis/redis-client.js';
import { parseKeyspace, readInfo, type InfoFields } from '../redis/info.js';

/** The prefix of every scratch directory: a drill's leftovers are easy to find (and to tell from live data). */
export const SCRATCH_PREFIX = 'redback-drill-';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** What a scratch server holds once it has loaded its dump.rdb. */
export interface LoadedScratch {
  persistence: InfoFields;
  keyspace: Record<string, { keys: number; expires: number }>;
}

/**
 * A throwaway redis-server for a restore drill, never live data:
 *
 * 1. `create()` makes a fresh directory `<tmp>/redback-drill-XXXXXX/` (mode 0700; TMPDIR decides
 *    where) that redback owns; the drill writes the copy there as `dump.rdb`;
 * 2. `start()` runs `redis-server` on a free port bound to 127.0.0.1 with that directory, no save
 *    rules, the AOF off and protected mode on, and waits until it has loaded the file (`loading:0`);
 *    a server that exits first (it refused the file) fails with the end of its log;
 * 3. `close()` (idempotent, always called) stops it (SIGTERM: nothing to save; SIGKILL after 5 s) and removes
 *    the directory, so a drill leaves nothing running and nothing on disk.
 */
export class ScratchRedis {
  private child: ChildProcess | null = null;
  private exited: Promise<void> | null = null;
  private closing: Promise<void> | null = null;
  port = 0;

  private constructor(
    readonly dir: string,
    private readonly binary: string,
  ) {}

  static async create(binary: string, base: string = tmpdir()): Promise<ScratchRedis> {
    const dir = await mkdtemp(join(base, SCRATCH_PREFIX));
    return new ScratchRedis(dir, binary);
  }

  get rdbFile(): string {
    return join(this.dir, 'dump.rdb');
  }

  private get logFile(): string {
    return join(this.dir, 'redis.log');
  }

  /** Starts the server on a free port and waits until it has loaded dump.rdb. */
  async start(options: { timeoutMs: number; onProgress?: (message: string) => void; signal?: AbortSignal }): Promise<LoadedScratch> {
    for (let attempt = 1; ; attempt++) {
      this.port = await freePort();
      this.spawnServer();
      try {
        return await this.waitLoaded(options.timeoutMs, options.onProgress, options.signal);
      } catch (err) {
        const log = await this.logTail();
        await this.stopServer();
        // Another process took the port between our probe and the bind: try another one.
        if (attempt < 3 && /Address already in use/i.test(log)) continue;
        if (err instanceof RedbackError && err.code === 'DRILL_FAILED') {
          throw new RedbackError('DRILL_FAILED', `${err.message}${log ? `: ${lastLine(log)}` : ''}`, { hint: err.hint ?? '', details: { log } });
        }
        throw err;
      }
    }
  }

  /** A client of the scratch server (the caller closes it). */
  connect(): Promise<ConnectedRedis> {
    return connectRedis({ name: `drill:${this.port}`, url: `redis://127.0.0.1:${this.port}` }, { commandTimeoutMs: 30_000 });
  }

  /** Stops the server and removes the scratch directory; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.stopServer();
      await rm(this.dir, { recursive: true, force: true });
    })();
    return this.closing;
  }

  private spawnServer(): void {
    const args = [
      '--port', String(this.port),
      '--bind', '127.0.0.1',
      '--protected-mode', 'yes',
      '--dir', this.dir,
      '--dbfilename', 'dump.rdb',
      '--appendonly', 'no',
      '--save', '',
      '--daemonize', 'no',
      '--logfile', this.logFile,
    ];
    const child = spawn(this.binary, args, { stdio: 'ignore' });
    this.child = child;
    this.exited = new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.once('error', () => resolve());
    });
    child.once('error', (err) => {
      this.spawnError = err;
    });
  }

  private spawnError: Error | null = null;

  private running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null && this.spawnError === null;
  }

  private async waitLoaded(timeoutMs: number, onProgress?: (message: string) => void, signal?: AbortSignal): Promise<LoadedScratch> {
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (signal?.aborted) throw new RedbackError('CANCELLED', 'the drill was stopped (cancelled or past its job timeout) while the scratch server loaded');
      if (this.spawnError) {
        throw new RedbackError('DRILL_FAILED', `cannot start the scratch redis-server (${this.binary}): ${this.spawnError.message}`, {
          hint: 'install redis-server on the agent host, or set control.binary of the instance to its path',
        });
      }
      if (!this.running()) throw new RedbackError('DRILL_FAILED', `the scratch redis-server exited before it loaded the copy (exit ${this.child?.exitCode ?? this.child?.signalCode})`, { hint: 'the copy does not load: the redis log line says why; take a new copy' });
      let redis: ConnectedRedis | null = null;
      try {
        redis = await connectRedis({ name: `drill:${this.port}`, url: `redis://127.0.0.1:${this.port}` }, { connectTimeoutMs: 2000, commandTimeoutMs: 10_000, allowLoading: true });
        const persistence = await readInfo(redis, 'persistence');
        if (persistence.loading === '0') return { persistence, keyspace: parseKeyspace(await readInfo(redis, 'keyspace')) };
        onProgress?.(`loading ${persistence.loading_loaded_perc ?? '?'}%`);
      } catch (err) {
        lastError = (err as Error).message;
      } finally {
        await redis?.close().catch(() => undefined);
      }
      await sleep(50);
    }
    throw new RedbackError('DRILL_FAILED', `the scratch redis-server did not finish loading within ${Math.round(timeoutMs / 1000)} s${lastError ? ` (${lastError})` : ''}`, {
      hint: 'raise the drill job timeout for a large dataset',
    });
  }

  private async stopServer(): Promise<void> {
    const child = this.child;
    if (!child || !this.running()) {
      await this.exited;
      return;
    }
    // No save rules and the AOF off: SIGTERM stops it without writing anything.
    child.kill('SIGTERM');
    const killed = await Promise.race([this.exited!.then(() => true), sleep(5000).then(() => false)]);
    if (!killed) {
      child.kill('SIGKILL');
      await this.exited;
    }
  }

  private async logTail(): Promise<string> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text.trim().split('\n').slice(-20).join('\n');
  }
}

function lastLine(log: string): string {
  // Redis log lines: `pid:M 04 Dec 2026 15:00:00.000 # Short read or OOM loading DB. Unrecoverable error, aborting now.`
  const lines = log.split('\n').filter((l) => /[#!]/.test(l));
  const line = (lines.at(-1) ?? log.split('\n').at(-1) ?? '').replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [#*.\-!] /, '');
  return line.trim();
}

/** A port nothing listens on right now (the kernel picks it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
