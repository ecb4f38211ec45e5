import { hostname } from 'node:os';
import { open, readFile, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { ensureDir } from '../../shared/fs/durable.js';

export interface LockHolder {
  pid: number;
  host: string;
  operation: string;
  since: string;
}

/**
 * One operation per instance at a time (snapshot, prune, restore). The lock is a file holding the
 * holder's pid; a lock whose process is gone (a killed run) is stale and taken over.
 */
export async function acquireInstanceLock(path: string, operation: string): Promise<() => Promise<void>> {
  await ensureDir(dirname(path));
  const holder: LockHolder = { pid: process.pid, host: hostname(), operation, since: new Date().toISOString() };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(JSON.stringify(holder));
      await handle.close();
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw storageError(err, 'create lock', path);
    }
    const current = await readHolder(path);
    if (current && current.host === holder.host && isAlive(current.pid)) {
      throw new RedbackError('LOCKED', `another redback operation (${current.operation}, pid ${current.pid}) is running on this instance since ${current.since}`, {
        hint: 'wait for it to finish; if that process is gone, the lock is released automatically',
        details: { ...current },
      });
    }
    // Stale (its process is gone, or the file is unreadable): take it over.
    await unlink(path).catch(() => undefined);
  }
  throw new RedbackError('LOCKED', `cannot take the lock ${path}`, { hint: 'another process keeps taking it; retry' });
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockHolder;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function withInstanceLock<T>(path: string, operation: string, fn: () => Promise<T>): Promise<T> {
  const release = await acquireInstanceLock(path, operation);
  try {
    return await fn();
  } finally {
    await release();
  }
}
