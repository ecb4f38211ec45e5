import { spawn } from 'node:child_process';
import { open, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ensureDir, exists, writeFileAtomic } from '../../shared/fs/durable.js';
import { readInfo } from '../redis/info.js';
import { connectRedis } from '../redis/redis-client.js';
import { effectiveValue, readRedisConf } from '../redis/redis-conf.js';
import { controlFailed, shellQuote, type RedisController, type ResolvedSpec } from './controller.js';
import { pidLooksLikeRedis, pollUntil, portAcceptsConnections, processAlive } from './liveness.js';

type ProcessControl = { type: 'process'; binary: string };

/**
 * `process` control: redback runs `redis-server <configFile> [--key value ...]` itself.
 *
 * - The server is spawned detached (its own session, `setsid`), with stdin closed and
 *   stdout/stderr appended to `<stateDir>/redis-<port>.log`, and `unref()`ed: it keeps running
 *   after the redback command that started it exits.
 * - Its pid goes to `<stateDir>/redis-<port>.pid` (refreshed from INFO server process_id once it
 *   answers, which also covers `daemonize yes`).
 * - The working directory is the directory of the config file, so a relative `dir` in redis.conf
 *   means the same thing every time.
 * - stop() sends SIGTERM to the pid INFO server reports (when Redis answers), else to the pid in
 *   the pid file, after checking the pid still belongs to a redis-server; then waits until that
 *   process is gone and the port refuses connections. SIGTERM lets Redis do its normal shutdown
 *   (fsync the AOF, save if save points are set).
 */
export class ProcessController implements RedisController {
  readonly kind = 'process' as const;
  readonly supportsOverrides = true;
  readonly pidFile: string;
  readonly logFile: string;
  private readonly binary: string;

  constructor(
    private readonly spec: ResolvedSpec,
    control: ProcessControl,
  ) {
    this.binary = control.binary;
    this.pidFile = join(spec.stateDir, `redis-${spec.port}.pid`);
    this.logFile = join(spec.stateDir, `redis-${spec.port}.log`);
  }

  private get name(): string {
    return this.spec.instance.name;
  }

  private get where(): string {
    return `${this.spec.host}:${this.spec.port}`;
  }

  describe(action: 'start' | 'stop'): string {
    if (action === 'start') {
      const conf = this.spec.configFile ?? '<configFile not set>';
      return `${shellQuote(this.binary)} ${shellQuote(conf)} (detached, output appended to ${this.logFile})`;
    }
    return `kill -TERM <redis-server pid from INFO server process_id, else ${this.pidFile}>, then wait until ${this.where} refuses connections`;
  }

  async isRunning(): Promise<boolean> {
    if (await portAcceptsConnections(this.spec.host, this.spec.port)) return true;
    const pid = await this.readPidFile();
    return pid !== null && (await processAlive(pid)) && (await pidLooksLikeRedis(pid));
  }

  async start(options: { overrides?: Record<string, string> } = {}): Promise<void> {
    const configFile = this.spec.configFile ? resolve(this.spec.configFile) : null;
    if (!configFile) {
      throw controlFailed(
        `cannot start ${this.name}: control type "process" needs the instance's redis.conf and none is known`,
        `set "configFile" for instance ${this.name} in the agent config (redis-server is started as "${this.binary} <configFile>")`,
        { instance: this.name },
      );
    }
    if (!(await exists(configFile))) {
      throw controlFailed(`cannot start ${this.name}: config file ${configFile} does not exist`, `check "configFile" of instance ${this.name} in the agent config`, {
        instance: this.name,
        configFile,
      });
    }
    if (await portAcceptsConnections(this.spec.host, this.spec.port)) {
      throw controlFailed(`cannot start ${this.name}: something already listens on ${this.where}`, 'stop the running redis first (redback never starts a second server on the same port)', {
        instance: this.name,
      });
    }
    const args = [configFile, ...overrideArgs(this.name, options.overrides ?? {})];
    await ensureDir(this.spec.stateDir);
    const logStart = await fileSize(this.logFile);
    const log = await open(this.logFile, 'a', 0o600);
    let child;
    try {
      await log.write(`--- redback ${new Date().toISOString()}: ${[this.binary, ...args].map(shellQuote).join(' ')}\n`);
      child = spawn(this.binary, args, { detached: true, stdio: ['ignore', log.fd, log.fd], cwd: dirname(configFile) });
      await new Promise<void>((resolve, reject) => {
        child!.once('spawn', resolve);
        child!.once('error', reject);
      });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw controlFailed(
        `cannot start ${this.name}: ${this.binary} ${code === 'ENOENT' ? 'not found' : `could not be executed (${code ?? (err as Error).message})`}`,
        `install redis-server or set control.binary of instance ${this.name} to its full path`,
        { instance: this.name, binary: this.binary },
        err,
      );
    } finally {
      await log.close();
    }
    const pid = child.pid!;
    let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    child.once('exit', (code, signal) => (exit = { code, signal }));
    child.unref();
    await writeFileAtomic(this.pidFile, `${pid}\n`);
    this.spec.logger.info({ instance: this.name, pid, args }, 'redis-server started');

    const listening = await pollUntil(
      async () => {
        const e = exit as { code: number | null; signal: NodeJS.Signals | null } | null;
        if (e && e.code !== 0) return true; // failed; reported below
        return portAcceptsConnections(this.spec.host, this.spec.port);
      },
      this.spec.timeouts.startMs,
      this.spec.pollIntervalMs,
    );
    const e = exit as { code: number | null; signal: NodeJS.Signals | null } | null;
    if (e && e.code !== 0) {
      const why = await this.failureReason(logStart, configFile, options.overrides ?? {});
      throw controlFailed(
        `redis-server for ${this.name} ${e.signal ? `was killed by ${e.signal}` : `exited ${e.code}`} before listening on ${this.where}${why ? `: ${why}` : ''}`,
        `read ${this.logFile} and the redis log; fix ${configFile} and start again`,
        { instance: this.name, logFile: this.logFile },
      );
    }
    if (!listening) {
      throw controlFailed(
        `redis-server for ${this.name} (pid ${pid}) is running but ${this.where} did not accept connections within ${Math.round(this.spec.timeouts.startMs / 1000)}s`,
        `check that "port" and "bind" in ${configFile} match ${this.where}; read ${this.logFile}`,
        { instance: this.name, pid },
      );
    }
    await this.refreshPidFromInfo();
  }

  async stop(): Promise<void> {
    const target = await this.findPid();
    if (!target) {
      if (await portAcceptsConnections(this.spec.host, this.spec.port)) {
        throw controlFailed(
          `cannot stop ${this.name}: ${this.where} accepts connections but no redis-server pid is known (INFO unavailable, ${this.pidFile} missing or stale)`,
          'stop that redis by hand (redis-cli shutdown), or give redback a password in the instance url so it can ask INFO for the pid',
          { instance: this.name },
        );
      }
      return; // already down
    }
    const { pid, source } = target;
    try {
      process.kill(pid, 'SIGTERM');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EPERM') {
        throw controlFailed(`cannot stop ${this.name}: no permission to signal redis-server pid ${pid}`, 'run the agent as the user that runs redis, or use control type "systemd" or "exec"', {
          instance: this.name,
          pid,
        }, err);
      }
      // ESRCH: it exited between the look-up and the signal; the wait below confirms.
    }
    this.spec.logger.info({ instance: this.name, pid, source }, 'sent SIGTERM to redis-server');
    const gone = await pollUntil(
      async () => !(await processAlive(pid)) && !(await portAcceptsConnections(this.spec.host, this.spec.port)),
      this.spec.timeouts.stopMs,
      this.spec.pollIntervalMs,
    );
    if (!gone) {
      const stillAlive = await processAlive(pid);
      throw controlFailed(
        `redis-server for ${this.name} (pid ${pid}) ${stillAlive ? 'did not exit' : `exited but ${this.where} still accepts connections`} within ${Math.round(this.spec.timeouts.stopMs / 1000)}s of SIGTERM`,
        stillAlive
          ? 'redis may still be saving a large dataset, or refused to shut down because its final save failed: read the redis log'
          : `another process listens on ${this.where}: find it (ss -ltnp) before going on`,
        { instance: this.name, pid },
      );
    }
    await unlink(this.pidFile).catch(() => undefined);
  }

  /** The pid to signal: INFO server process_id when Redis answers, else the pid file; only if it looks like redis-server. */
  private async findPid(): Promise<{ pid: number; source: 'info' | 'pidfile' } | null> {
    const fromInfo = await this.pidFromInfo();
    if (fromInfo !== null && (await processAlive(fromInfo)) && (await pidLooksLikeRedis(fromInfo))) return { pid: fromInfo, source: 'info' };
    const fromFile = await this.readPidFile();
    if (fromFile !== null && (await processAlive(fromFile)) && (await pidLooksLikeRedis(fromFile))) return { pid: fromFile, source: 'pidfile' };
    return null;
  }

  /**
   * INFO server process_id, or null when Redis does not answer within 3 s (down, password
   * refused, or frozen: the kernel still accepts connections for a stopped process).
   */
  private async pidFromInfo(): Promise<number | null> {
    const endpoint = { name: this.name, url: urlFor(this.spec.instance.url, this.spec.host, this.spec.port), tls: this.spec.instance.tls };
    const connecting = connectRedis(endpoint, { connectTimeoutMs: 2000 });
    const ask = async (): Promise<number | null> => {
      const redis = await connecting;
      try {
        const info = await readInfo(redis, 'server');
        const pid = Number(info.process_id);
        return Number.isInteger(pid) && pid > 1 ? pid : null;
      } finally {
        await redis.close();
      }
    };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), 3000);
    });
    try {
      return await Promise.race([ask().catch(() => null), timeout]);
    } finally {
      clearTimeout(timer);
      // When we gave up first, close the connection whenever it completes.
      connecting.then((r) => r.close()).catch(() => undefined);
    }
  }

  private async refreshPidFromInfo(): Promise<void> {
    const pid = await this.pidFromInfo();
    if (pid !== null && (await pidLooksLikeRedis(pid))) await writeFileAtomic(this.pidFile, `${pid}\n`);
  }

  private async readPidFile(): Promise<number | null> {
    try {
      const pid = Number((await readFile(this.pidFile, 'utf8')).trim());
      return Number.isInteger(pid) && pid > 1 ? pid : null;
    } catch {
      return null;
    }
  }

  /** The last meaningful lines redis-server printed (our output log, else its own logfile). */
  private async failureReason(logStart: number, configFile: string, overrides: Record<string, string>): Promise<string> {
    const fromOutput = summarizeRedisOutput(await readFrom(this.logFile, logStart));
    if (fromOutput) return fromOutput;
    try {
      const conf = await readRedisConf(configFile);
      const logfile = overrides.logfile ?? effectiveValue(conf, 'logfile', '');
      if (logfile) {
        const path = logfile.startsWith('/') ? logfile : join(dirname(configFile), logfile);
        const text = await readFile(path, 'utf8');
        return summarizeRedisOutput(text.split('\n').slice(-5).join('\n'));
      }
    } catch {
      // best effort only
    }
    return '';
  }
}

/** `{ appendonly: 'no' }` → `['--appendonly', 'no']`; names are checked, values passed as one argument each. */
export function overrideArgs(instance: string, overrides: Record<string, string>): string[] {
  const args: string[] = [];
  for (const [key, value] of Object.entries(overrides)) {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(key)) {
      throw controlFailed(`cannot start ${instance}: "${key}" is not a redis config directive name`, 'overrides are redis.conf directive names like appendonly or save', { instance });
    }
    args.push(`--${key}`, value);
  }
  return args;
}

/** The instance url with host and port replaced, keeping user, password, db and scheme. */
function urlFor(url: string, host: string, port: number): string {
  try {
    const parsed = new URL(url);
    parsed.hostname = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    parsed.port = String(port);
    return parsed.toString();
  } catch {
    return url;
  }
}

/**
 * Picks the useful part of what redis-server printed before dying. A config error looks like
 * `*** FATAL CONFIG FILE ERROR (Redis 7.0.15) *** / Reading the configuration file, at line 2 /
 * >>> 'bogus yes' / Bad directive or wrong number of arguments`: we keep the reason and the line.
 */
export function summarizeRedisOutput(text: string): string {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('--- redback '));
  if (lines.length === 0) return '';
  const last = lines[lines.length - 1]!.replace(/^\d+:[A-Z] \d+ \w+ \d+ [\d:.]+ [#*.-] /, '');
  const offending = lines.find((l) => l.startsWith('>>> '));
  return offending ? `${last} (${offending.slice(4)})` : last;
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function readFrom(path: string, offset: number): Promise<string> {
  try {
    const handle = await open(path, 'r');
    try {
      const size = (await handle.stat()).size;
      const start = Math.max(offset, size - 64 * 1024);
      const buffer = Buffer.alloc(Math.max(0, size - start));
      await handle.read(buffer, 0, buffer.length, start);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}
