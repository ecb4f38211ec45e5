/**
 * Produces RDB files with a real redis-server (self-contained: its own process handling, so it does
 * not depend on the shared redis-server harness). Every server runs on a free port in a fresh temp
 * dir and is shut down, and the dir removed, before the helper returns, whatever happens.
 * A missing redis-server makes the helper throw (tests fail, never skip).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';

export interface RdbFixtureOptions {
  /** Extra redis-server arguments, e.g. ['--rdbchecksum', 'no']. */
  args?: string[];
  /** Fills the server (db 0 client; use SELECT or another client for other databases). */
  fill: (redis: Redis) => Promise<void>;
}

export interface RdbFixture {
  /** The dump.rdb Redis wrote with SAVE. */
  bytes: Buffer;
  /** `INFO keyspace`, parsed: db index → { keys, expires }. */
  keyspace: Record<number, { keys: number; expires: number }>;
}


function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function parseKeyspace(info: string): Record<number, { keys: number; expires: number }> {
  const out: Record<number, { keys: number; expires: number }> = {};
  for (const line of info.split(/\r?\n/)) {
    const m = /^db(\d+):keys=(\d+),expires=(\d+)/.exec(line);
    if (m) out[Number(m[1])] = { keys: Number(m[2]), expires: Number(m[3]) };
  }
  return out;
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return true;
  return Promise.race([
    new Promise<boolean>((r) => child.once('exit', () => r(true))),
    sleep(ms).then(() => false),
  ]);
}

/** Starts redis-server, runs `fill`, SAVEs, returns dump.rdb; always stops the server and cleans up. */
export async function makeRdbFixture(options: RdbFixtureOptions): Promise<RdbFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'redback-rdb-'));
  let child: ChildProcess | null = null;
  let client: Redis | null = null;
  let output = '';
  try {
    const port = await freePort();
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...(options.args ?? [])],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const proc = child;
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const spawnError = new Promise<never>((_, reject) => proc.once('error', (err) => reject(new Error(`cannot start redis-server: ${err.message}`))));
    spawnError.catch(() => undefined);

    // Wait until it answers PING.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${output}`);
      const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      probe.on('error', () => undefined);
      try {
        await Promise.race([probe.connect().then(() => probe.ping()), spawnError]);
        probe.disconnect();
        break;
      } catch (err) {
        probe.disconnect();
        if (err instanceof Error && err.message.startsWith('cannot start redis-server')) throw err;
        if (Date.now() > deadline) throw new Error(`redis-server did not start within 15s: ${output}`);
        await sleep(50);
      }
    }

    client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    await options.fill(client);
    await client.select(0);
    await client.call('SAVE');
    const keyspace = parseKeyspace((await client.info('keyspace')) as string);
    const bytes = readFileSync(join(dir, 'dump.rdb'));
    try {
      await client.call('SHUTDOWN', 'NOSAVE');
    } catch {
      // the connection drops as the server exits
    }
    return { bytes, keyspace };
  } finally {
    client?.disconnect();
    if (child && child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      if (!(await waitExit(child, 5_000))) {
        child.kill('SIGKILL');
        await waitExit(child, 5_000);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Deterministic pseudo-random bytes (incompressible, so LZF leaves them alone). */
export function pseudoRandomBytes(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export interface ExpectedDb {
  keys: number;
  expires: number;
}

/**
 * Fills a server with every data type Redis 7.0 writes, in databases 0, 3 and 15, and returns the
 * key and expire counts per database it created. Needs `--enable-debug-command yes` for the plain
 * quicklist nodes (DEBUG QUICKLIST-PACKED-THRESHOLD).
 */
export async function fillEveryType(redis: Redis): Promise<Record<number, ExpectedDb>> {
  const expected: Record<number, ExpectedDb> = {};
  const count = (db: number, expires = false): void => {
    const e = (expected[db] ??= { keys: 0, expires: 0 });
    e.keys++;
    if (expires) e.expires++;
  };

  // Elements above 1000 bytes become PLAIN quicklist nodes (container 1).
  await redis.call('DEBUG', 'QUICKLIST-PACKED-THRESHOLD', '1000');
  // Compress inner quicklist nodes (saved as LZF blobs).
  await redis.call('CONFIG', 'SET', 'list-compress-depth', '1');

  // ---- db 0
  await redis.select(0);
  const p = redis.pipeline();
  // Strings: int-encoded (INT8/16/32), too big for int32, plain, LZF-compressible, huge.
  p.set('int8', '-5'); count(0);
  p.set('int16', '12345'); count(0);
  p.set('int32', '-2000000000'); count(0);
  p.set('int64', '1234567890123456'); count(0);
  p.set('42', 'an int-encoded key name'); count(0);
  p.set('plain', 'hello world'); count(0);
  p.set('empty', ''); count(0);
  p.set('compressible', 'abc'.repeat(10_000)); count(0);
  p.set('big-random', pseudoRandomBytes(1_500_000, 7)); count(0);
  p.set('big-compressible', 'x'.repeat(2_000_000)); count(0);
  p.set('ttl-string', 'v', 'EX', 3600); count(0, true);
  p.set('ttl-ms', 'v', 'PX', 7_200_000); count(0, true);
  // Hashes: listpack, big-value (hashtable), many fields (hashtable).
  p.hset('hash-small', { a: '1', b: 'two', c: '3' }); count(0);
  p.hset('hash-bigvalue', { f: 'v'.repeat(200), g: pseudoRandomBytes(300, 3) }); count(0);
  const bigHash: Record<string, string> = {};
  for (let i = 0; i < 1000; i++) bigHash[`field:${i}`] = `value:${i}:${'z'.repeat(i % 50)}`;
  p.hset('hash-large', bigHash); count(0, true);
  p.expire('hash-large', 86400);
  // Lists: one listpack node, many nodes (compressed inner nodes), plain nodes.
  p.rpush('list-small', 'a', 'b', '3', '4'); count(0);
  const items: string[] = [];
  for (let i = 0; i < 20_000; i++) items.push(`item-${i}-${'q'.repeat(i % 30)}`);
  p.rpush('list-large', ...items); count(0);
  p.rpush('list-plain', 'small', 'p'.repeat(5000), pseudoRandomBytes(3000, 9), 'tail'); count(0);
  // Sets: intset, small strings, large ints (hashtable), large strings.
  p.sadd('set-int', 1, 2, 3, 100, -7); count(0);
  p.sadd('set-small', 'a', 'b', 'c'); count(0);
  const bigInts: number[] = [];
  for (let i = 0; i < 2000; i++) bigInts.push(i * 3);
  p.sadd('set-int-large', ...bigInts); count(0);
  const bigStrs: string[] = [];
  for (let i = 0; i < 3000; i++) bigStrs.push(`member-${i}`);
  p.sadd('set-large', ...bigStrs); count(0);
  // Sorted sets: listpack, skiplist.
  p.zadd('zset-small', 1, 'one', 2.5, 'two-and-a-half', -3, 'minus-three'); count(0);
  const zargs: (string | number)[] = [];
  for (let i = 0; i < 2000; i++) zargs.push(i / 7, `zm-${i}`);
  p.zadd('zset-large', ...zargs); count(0);
  p.zadd('zset-inf', '+inf', 'top', '-inf', 'bottom'); count(0);
  await p.exec();

  // Streams: many listpack nodes, consumer groups, pending entries, deleted entries.
  const sp = redis.pipeline();
  for (let i = 0; i < 1500; i++) sp.xadd('stream-big', '*', 'n', String(i), 'payload', 'p'.repeat(i % 40));
  await sp.exec();
  count(0);
  await redis.xdel('stream-big', ...((await redis.xrange('stream-big', '-', '+', 'COUNT', 5)).map((e) => e[0])));
  await redis.xgroup('CREATE', 'stream-big', 'group-a', '0');
  await redis.xgroup('CREATE', 'stream-big', 'group-b', '$');
  await redis.xreadgroup('GROUP', 'group-a', 'alice', 'COUNT', 50, 'STREAMS', 'stream-big', '>');
  const bob = (await redis.xreadgroup('GROUP', 'group-a', 'bob', 'COUNT', 30, 'STREAMS', 'stream-big', '>')) as [string, [string, string[]][]][];
  await redis.xack('stream-big', 'group-a', ...bob[0]![1].slice(0, 10).map((e) => e[0]));
  await redis.xadd('stream-small', '*', 'k', 'v'); count(0, true);
  await redis.pexpire('stream-small', 5_000_000);
  await redis.xadd('stream-empty-group', '*', 'k', 'v');
  await redis.xgroup('CREATE', 'stream-empty-group', 'g', '$');
  count(0);

  // A function library (FUNCTION2 record).
  await redis.call(
    'FUNCTION',
    'LOAD',
    "#!lua name=redbacklib\nredis.register_function('redback_echo', function(keys, args) return args[1] end)",
  );

  // ---- db 3
  await redis.select(3);
  const p3 = redis.pipeline();
  for (let i = 0; i < 500; i++) {
    if (i % 5 === 0) {
      p3.set(`k3:${i}`, `value-${i}`, 'EX', 100_000 + i);
      count(3, true);
    } else {
      p3.set(`k3:${i}`, String(i));
      count(3);
    }
  }
  p3.hset('h3', 'a', '1'); count(3);
  await p3.exec();

  // ---- db 15
  await redis.select(15);
  await redis.set('only-key', 'in db 15', 'EX', 999_999); count(15, true);
  await redis.lpush('l15', 'x'); count(15);

  await redis.select(0);
  return expected;
}
