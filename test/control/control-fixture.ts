import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { InstanceConfig } from '../../shared/config/agent-config.js';

/** A redis.conf for a controller test: own port and dir, no saves, foreground. */
export function writeRedisConf(dir: string, port: number, extra: string[] = []): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'redis.conf');
  writeFileSync(
    path,
    [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'save ""', 'appendonly no', 'daemonize no', `logfile ${join(dir, 'redis.log')}`, ...extra].join('\n') + '\n',
  );
  return path;
}

export function instanceFor(port: number, control: InstanceConfig['control'], url = `redis://127.0.0.1:${port}`): InstanceConfig {
  return { name: `test-${port}`, url, control };
}

/** PING through a fresh connection; the reply, or the error message. */
export async function ping(port: number, password?: string): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return String(await client.ping());
  } catch (err) {
    return `error: ${(err as Error).message}`;
  } finally {
    client.disconnect();
  }
}

export async function configGet(port: number, name: string, password?: string): Promise<string> {
  const client = new Redis({ port, host: '127.0.0.1', password, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const reply = (await client.call('CONFIG', 'GET', name)) as string[];
    return reply[1] ?? '';
  } finally {
    client.disconnect();
  }
}

/** Last resort in afterAll: SIGKILL every redis whose pid file is under `dir` (pid files we wrote or redis wrote). */
export function killLeftovers(dirs: string[]): void {
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names.filter((n) => n.endsWith('.pid'))) {
      const pid = Number(readFileSync(join(dir, name), 'utf8').trim());
      if (!Number.isInteger(pid) || pid <= 1) continue;
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        if (/redis/.test(cmdline)) process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  }
}
