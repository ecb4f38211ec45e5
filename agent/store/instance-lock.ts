import { AsyncLocalStorage } from 'node:async_hooks';
import { hostname } from 'node:os';
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { ensureDir } from '../../shared/fs/durable.js';

/** fs-ext's flock(2) binding (no bundled types; only what is used here). */
const { flockSync } = createRequire(import.meta.url)('fs-ext') as { flockSync(fd: number, flags: 'exnb' | 'un'): void };

export interface LockHolder {
  pid: number;
  host: string;
  operation: string;
  since: string;
}

export interface LockOptions {
  /** Keep trying this long before LOCKED (default 0: fail at once). */
  waitMs?: number;
  /** Runs right after the lock is taken (not on a nested, re-entrant call): cleanup after killed runs. */
  onAcquire?: () => Promise<void>;
}

/** Lock files this async chain holds, so nested callers (snapshot → prune) do not deadlock. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

/**
 * One operation per instance at a time (snapshot, prune, verify, restore, cleanup). The lock is an
 * OS lock (flock(2), exclusive) on `<backupDir>/<instance>/.lock`: the kernel grants it to one open
 * file at a time, across processes and within one, and releases it when the holder closes it or
 * dies (kill -9 included), so there is no stale lock to take over and nothing ever unlinks the
 * file. The holder writes its pid and operation into the file for the LOCKED message only; the
 * content never decides anything.
 */
export async function acquireInstanceLock(path: string, operation: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  await ensureDir(dirname(path));
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    let handle: FileHandle;
    try {
      // O_CLOEXEC (libuv's default): a Redis started by a recovery never inherits the lock.
      handle = await open(path, 'a+', 0o600);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EROFS' && code !== 'EACCES' && code !== 'EPERM') throw storageError(err, 'open lock', path);
      // A read-only backup directory: flock works on a read-only descriptor; with no lock file
      // at all nothing can change the directory, so a reader (verify, list) goes on unlocked.
      const readOnly = await open(path, 'r').catch(() => null);
      if (!readOnly) return async () => undefined;
      handle = readOnly;
    }
    try {
      flockSync(handle.fd, 'exnb');
    } catch (err) {
      await handle.close().catch(() => undefined);
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'EWOULDBLOCK' && code !== 'EAGAIN') throw storageError(err, 'lock', path);
      if (Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        continue;
      }
      // The holder writes its note just after it gets the lock: give it a moment to say who it is.
      let holder = await readHolder(path);
      for (let i = 0; !holder && i < 10; i++) {
        await new Promise((r) => setTimeout(r, 50));
        holder = await readHolder(path);
      }
      const who = holder ? `${holder.operation}, pid ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}, since ${holder.since}` : 'a process that has not said who it is yet';
      throw new RedbackError('LOCKED', `another redback operation holds the lock of this instance (${who})`, {
        hint: 'wait for it to finish and retry; the lock is released when that process exits, even if it is killed',
        details: { lockFile: path, ...(holder ?? {}) },
      });
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), operation, since: new Date().toISOString() };
    await handle.truncate(0).catch(() => undefined);
    await handle.write(JSON.stringify(holder) + '\n', 0).catch(() => undefined);
    let released = false;
    return async () => {
      if (released) return;
      released = true;
      // Still the holder here: clearing the note cannot touch another process's lock.
      await handle.truncate(0).catch(() => undefined);
      try {
        flockSync(handle.fd, 'un');
      } catch {
        // closing releases it anyway
      }
      await handle.close().catch(() => undefined);
    };
  }
}

async function readHolder(path: string): Promise<LockHolder | null> {
  try {
    const parsed = JSON.parse(await readFile(path, 'utf8')) as LockHolder;
    return typeof parsed.pid === 'number' ? parsed : null;
  } catch {
    return null;
  }
}

/** Runs `fn` holding the instance lock; re-entrant within one async chain (nested calls just run). */
export async function withInstanceLock<T>(path: string, operation: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const mine = held.getStore();
  if (mine?.has(path)) return fn();
  const release = await acquireInstanceLock(path, operation, options);
  try {
    return await held.run(new Set([...(mine ?? []), path]), async () => {
      await options.onAcquire?.();
      return fn();
    });
  } finally {
    await release();
  }
}
