import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { open, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedbackError } from '../../shared/errors/index.js';
import { ensureDir, exists } from '../../shared/fs/durable.js';
import { describeOutcome, runFile } from '../control/exec-file.js';

/**
 * Point-in-time replay of an archived AOF, away from the live Redis (issue 10 item 4). The pieces
 * the aof-archive restore source puts together:
 *
 * 1. `writeReplayManifest`: a fresh `appendonlydir/` holds one base and the incr files that
 *    follow it (each the archive's segments of that file, concatenated in order), with Redis's
 *    own names. redis-check-aof 7.0.15 cuts only the last file of a manifest ("Failed to truncate
 *    AOF ... because it is not the last file"): the source leaves out every segment whose first
 *    `#TS:` is after T, so the cut always lands in the last file;
 * 2. `cutAtSecond`: `redis-check-aof --truncate-to-timestamp T` keeps every command whose `#TS:`
 *    annotation is ≤ T and cuts the rest (it does not prompt). When the incr file's first
 *    annotation is already after T it refuses ("has nothing before timestamp"): then the incr file
 *    is emptied here, which is the same cut (the base alone is the data at T);
 * 3. `aofToRdb`: a scratch redis-server (unix socket only, no TCP port, no config file) loads the
 *    directory with `appendonly yes`, `SAVE`s an RDB and is shut down. The RDB is what the one
 *    restore runbook (S12) then loads into the instance with the AOF off, and the AOF is rebuilt
 *    from it (appendonly yes, CONFIG REWRITE).
 */

/** First `#TS:<secs>` annotation of a RESP AOF file (null when it has none in its first 64 KiB). */
export async function firstAnnotatedSecond(path: string): Promise<number | null> {
  const handle = await open(path, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    const m = /(?:^|\n)#TS:(\d+)\r?\n/.exec(buf.subarray(0, bytesRead).toString('latin1'));
    return m ? Number(m[1]) : null;
  } finally {
    await handle.close();
  }
}

/** Writes `<aofDir>/<appendfilename>.manifest` listing one base and the incr files in replay order. */
export async function writeReplayManifest(aofDir: string, appendfilename: string, base: { name: string; seq: number }, incrs: ReadonlyArray<{ name: string; seq: number }>): Promise<string> {
  const path = join(aofDir, `${appendfilename}.manifest`);
  const lines = [`file ${base.name} seq ${base.seq} type b`, ...incrs.map((i) => `file ${i.name} seq ${i.seq} type i`)];
  await writeFile(path, lines.join('\n') + '\n', { mode: 0o600 });
  return path;
}

export interface CutResult {
  /** How the cut was made. */
  how: 'redis-check-aof' | 'emptied' | 'nothing-after';
  bytesBefore: number;
  bytesAfter: number;
  /** redis-check-aof's last line (or ours). */
  detail: string;
}

/**
 * Cuts the last incr file of a replay directory after second `unixSeconds` with
 * `redis-check-aof --truncate-to-timestamp` (see the module comment). The directory is a scratch
 * copy of what the archive holds, so no copy is kept aside, and redis-check-aof's own pass is the
 * check (the bytes were verified against their SHA-256 on download).
 */
export async function cutAtSecond(manifestPath: string, incrPath: string, unixSeconds: number, binary = 'redis-check-aof'): Promise<CutResult> {
  const bytesBefore = (await stat(incrPath)).size;
  const first = bytesBefore > 0 ? await firstAnnotatedSecond(incrPath) : null;
  if (bytesBefore === 0) return { how: 'nothing-after', bytesBefore, bytesAfter: 0, detail: 'the incr file is empty' };
  if (first !== null && first > unixSeconds) {
    await truncate(incrPath, 0);
    return { how: 'emptied', bytesBefore, bytesAfter: 0, detail: `the first write of the incr file is at ${first} > ${unixSeconds}: only the base is kept` };
  }
  const run = await runFile(binary, ['--truncate-to-timestamp', String(unixSeconds), manifestPath], { input: '', timeoutMs: 60 * 60_000 });
  const output = run.stdout + run.stderr;
  const tail = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).pop() ?? describeOutcome(run);
  if (run.spawnError || run.code !== 0) {
    throw new RedbackError('AOF_CORRUPT', `redis-check-aof --truncate-to-timestamp ${unixSeconds} refused the archived AOF: ${tail}`, {
      hint: run.spawnError ? 'install redis-check-aof (it comes with redis-server / redis-tools)' : 'nothing was changed; pick another time, or restore a nightly set (--backup SETID)',
      details: { output: output.slice(-4000) },
    });
  }
  return { how: 'redis-check-aof', bytesBefore, bytesAfter: (await stat(incrPath)).size, detail: tail };
}

export interface AofToRdbResult {
  rdbPath: string;
  keys: number;
  loadMs: number;
  saveMs: number;
}

/**
 * Loads `<workDir>/<appenddirname>` in a scratch redis-server and SAVEs `<workDir>/replayed.rdb`.
 * The server listens on a unix socket only and is always stopped before this returns.
 */
export async function aofToRdb(
  workDir: string,
  options: { binary?: string; appenddirname: string; appendfilename: string; timeoutMs?: number },
): Promise<AofToRdbResult> {
  const binary = options.binary ?? 'redis-server';
  const socketDir = join(tmpdir(), `rb-pitr-${createHash('sha1').update(workDir).digest('hex').slice(0, 10)}`);
  await ensureDir(socketDir);
  const socket = join(socketDir, 's.sock');
  await rm(socket, { force: true });
  const logFile = join(workDir, 'replay-redis.log');
  const args = [
    '--port', '0',
    '--unixsocket', socket,
    '--unixsocketperm', '700',
    '--dir', workDir,
    '--dbfilename', 'replayed.rdb',
    '--appendonly', 'yes',
    '--appenddirname', options.appenddirname,
    '--appendfilename', options.appendfilename,
    '--aof-use-rdb-preamble', 'yes',
    '--auto-aof-rewrite-percentage', '0',
    '--save', '',
    '--logfile', logFile,
    '--daemonize', 'no',
  ];
  const started = Date.now();
  const child = spawn(binary, args, { stdio: 'ignore' });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  const exitPromise = new Promise<void>((resolve) => {
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      resolve();
    });
    child.on('error', (err) => {
      exited = { code: null, signal: null };
      spawnError = err;
      resolve();
    });
  });
  let spawnError: Error | null = null;
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  let client: Redis | null = null;
  const logTail = async () => (await readFile(logFile, 'utf8').catch(() => '')).trim().split('\n').slice(-3).join(' | ');
  try {
    for (;;) {
      if (exited) {
        throw new RedbackError('AOF_CORRUPT', `the scratch redis-server could not load the archived AOF${spawnError ? `: ${(spawnError as Error).message}` : ''}: ${await logTail()}`, {
          hint: 'nothing was changed on the instance; pick another time, or restore a nightly set (--backup SETID)',
        });
      }
      if (Date.now() - started > timeoutMs) throw new RedbackError('TIMEOUT', `the scratch redis-server did not load the archived AOF within ${Math.round(timeoutMs / 1000)}s`);
      if (!client && (await exists(socket))) {
        client = new Redis({ path: socket, lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
        client.on('error', () => undefined);
        await client.connect().catch(() => {
          client?.disconnect();
          client = null;
        });
      }
      if (client) {
        const info = String(await client.info('persistence').catch(() => ''));
        if (/\r?\nloading:0\r?\n/.test(`\n${info}`)) break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const loadMs = Date.now() - started;
    const c = client as unknown as Redis;
    const saveStarted = Date.now();
    await c.call('SAVE');
    const saveMs = Date.now() - saveStarted;
    const keyspace = String(await c.info('keyspace'));
    const keys = [...keyspace.matchAll(/keys=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    return { rdbPath: join(workDir, 'replayed.rdb'), keys, loadMs, saveMs };
  } finally {
    if (client) {
      await (client as Redis).call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      (client as Redis).disconnect();
    }
    if (!exited) {
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      if (!client) child.kill('SIGTERM');
      await exitPromise;
      clearTimeout(timer);
    }
    await rm(socketDir, { recursive: true, force: true });
  }
}
