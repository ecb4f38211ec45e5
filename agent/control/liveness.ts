import { lookup } from 'node:dns/promises';
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';

/**
 * Whether something accepts TCP connections on host:port. Every address the name resolves to is
 * tried (`localhost` may resolve to ::1 first while Redis binds 127.0.0.1): one accepting is
 * enough. A wildcard bind address (0.0.0.0, ::, empty) is probed on the loopback address.
 */
export async function portAcceptsConnections(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  const addresses = await resolveAll(host);
  const results = await Promise.all(addresses.map((address) => tryConnect(address, port, timeoutMs)));
  return results.some(Boolean);
}

async function resolveAll(host: string): Promise<string[]> {
  if (host === '' || host === '0.0.0.0' || host === '*') return ['127.0.0.1'];
  if (host === '::' || host === '[::]') return ['::1'];
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  try {
    const found = await lookup(bare, { all: true });
    const set = new Set(found.map((a) => a.address));
    if (bare === 'localhost') {
      set.add('127.0.0.1');
      set.add('::1');
    }
    return [...set];
  } catch {
    return [bare];
  }
}

function tryConnect(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (open: boolean): void => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Whether a process with this pid exists and is not a zombie. EPERM (exists, owned by someone
 * else) counts as alive.
 */
export async function processAlive(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EPERM') return true;
    return false;
  }
  // An exited child that nobody reaped yet still answers kill(0); /proc says 'Z'.
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/**
 * Whether the pid looks like a redis-server process, from its command line. Guards against
 * signalling an unrelated process that reused a stale pid (or, through a container's INFO
 * process_id, a pid of another namespace). Without /proc (not Linux) it cannot tell and says yes.
 */
export async function pidLooksLikeRedis(pid: number): Promise<boolean> {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  let cmdline: string;
  try {
    cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      try {
        await readFile('/proc/self/cmdline');
        return false; // /proc works, the pid is gone
      } catch {
        return true;
      }
    }
    return true;
  }
  // Zombies have an empty cmdline; a live redis shows "redis-server host:port" or its argv.
  if (cmdline.length === 0) {
    try {
      const comm = await readFile(`/proc/${pid}/comm`, 'utf8');
      return /redis/i.test(comm);
    } catch {
      return false;
    }
  }
  return /redis/i.test(cmdline);
}

/** Polls `check` until it returns true; false when the deadline passed first. */
export async function pollUntil(check: () => Promise<boolean>, timeoutMs: number, intervalMs = 100): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
