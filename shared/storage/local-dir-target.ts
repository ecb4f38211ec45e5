import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rmdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RedbackError, storageError } from '../errors/index.js';
import { fsyncDir } from '../fs/durable.js';
import { cancelGetOnAbort, expectLength, putBodyCounter } from './stream-checks.js';
import {
  RESERVED_SEGMENT_PREFIX,
  cancelledError,
  openBody,
  shortReadError,
  validateKey,
  validatePrefix,
  validateRange,
  type GetOptions,
  type ListEntry,
  type ObjectStat,
  type PutBody,
  type PutOptions,
  type PutResult,
  type StorageFeatures,
  type StorageTarget,
} from './storage-target.js';

const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/**
 * A directory as a storage target: the embedded default (demo, single host) and NFS or other
 * mounted file systems. Key `a/b/c` is the file `<root>/a/b/c`; keys are validated so no key
 * reaches outside the root. A put writes `<dir>/.tmp-<name>-<random>`, fsyncs it, renames it over
 * the key's path and fsyncs the directory, so readers see the old object or the whole new one and
 * a completed put survives a crash. Deleting an object removes the directories it leaves empty.
 * Only regular files are objects; symlinks and other entries are ignored.
 */
export class LocalDirTarget implements StorageTarget {
  readonly features: StorageFeatures = {
    hardLinks: true,
    atomicRename: true,
    dirSync: true,
    objectLock: false,
    multipart: false,
  };
  readonly root: string;

  constructor(root: string) {
    if (!isAbsolute(root)) {
      throw new RedbackError('CONFIG_INVALID', `offsite directory must be an absolute path: ${root}`);
    }
    this.root = resolve(root);
  }

  describe(): string {
    return `local directory ${this.root}`;
  }

  /** The file path of `key` (validated: always inside the root). */
  pathOf(key: string): string {
    validateKey(key);
    const path = join(this.root, ...key.split('/'));
    if (!path.startsWith(this.root + sep)) throw new RedbackError('USAGE', `storage key ${key} leaves the root`);
    return path;
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    // The temp name stays under NAME_MAX (255) however long the key's last segment is.
    const base = key.split('/').pop()!.slice(0, 200);
    const temp = join(dir, `${RESERVED_SEGMENT_PREFIX}${base}-${randomBytes(4).toString('hex')}`);
    if (opts.signal?.aborted) throw cancelledError(`put ${key}`);
    let handle: FileHandle | undefined;
    try {
      handle = await this.createTemp(dir, temp);
      const source = await openBody(body);
      const counter = putBodyCounter(key, opts);
      const file = handle;
      await pipeline(
        source,
        counter,
        async (chunks: AsyncIterable<Buffer>) => {
          for await (const chunk of chunks) await file.write(chunk);
        },
        opts.signal ? { signal: opts.signal } : {},
      );
      await handle.sync();
      await handle.close();
      handle = undefined;
      await rename(temp, path);
      await fsyncDir(dir);
      return { key, size: counter.bytes };
    } catch (err) {
      await handle?.close().catch(() => undefined);
      await unlink(temp).catch(() => undefined);
      if (opts.signal?.aborted) throw cancelledError(`put ${key}`);
      if ((err as NodeJS.ErrnoException).code === 'ENOTDIR' || (err as NodeJS.ErrnoException).code === 'EISDIR') {
        throw new RedbackError('STORAGE_ERROR', `cannot put ${key} in ${this.root}: a path segment is both a file and a directory`, {
          hint: 'one key is a prefix directory of another; the key layout must not do that',
          cause: err,
        });
      }
      throw storageError(err, 'write', path);
    }
  }

  /** Opens the temp file, creating its directory; retries once if a concurrent delete pruned the directory. */
  private async createTemp(dir: string, temp: string): Promise<FileHandle> {
    for (let attempt = 0; ; attempt++) {
      await mkdir(dir, { recursive: true, mode: DIR_MODE });
      try {
        return await open(temp, 'wx', FILE_MODE);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || attempt > 0) throw err;
      }
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    const path = this.pathOf(key);
    validateRange(opts.range);
    if (opts.signal?.aborted) throw cancelledError(`get ${key}`);
    let handle: FileHandle;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      throw this.readError(err, key, path);
    }
    let size: number;
    try {
      const info = await handle.stat();
      if (!info.isFile()) throw Object.assign(new Error('not a file'), { code: 'ENOENT' });
      size = info.size;
    } catch (err) {
      await handle.close().catch(() => undefined);
      throw this.readError(err, key, path);
    }
    const start = opts.range?.start ?? 0;
    const end = Math.min(opts.range?.end ?? size, size);
    if (start >= end) {
      await handle.close();
      return Readable.from([]);
    }
    const source = handle.createReadStream({ start, end: end - 1 });
    const stream = expectLength(
      source,
      end - start,
      (got) => shortReadError(this.describe(), key, got, end - start),
      (err) => storageError(err, 'read', path),
    );
    cancelGetOnAbort(stream, key, opts.signal);
    return stream;
  }

  private readError(err: unknown, key: string, path: string): RedbackError {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') {
      return new RedbackError('NOT_FOUND', `no object ${key} in ${this.describe()}`, { details: { key }, cause: err });
    }
    return storageError(err, 'read', path);
  }

  async stat(key: string): Promise<ObjectStat | null> {
    const path = this.pathOf(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return null;
      return { size: info.size, modified: info.mtime };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw storageError(err, 'stat', path);
    }
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    validatePrefix(prefix);
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1); // '' or 'a/b/'
    const namePrefix = prefix.slice(slash + 1);
    yield* this.walk(dirKey, namePrefix);
  }

  /**
   * Lists the directory of `dirKey` (`''` or ending in `/`) depth first. Entries are sorted by name,
   * a directory's name compared with a `/` appended: that order is exactly the byte order of the
   * full keys, so the walk yields keys sorted without collecting them.
   */
  private async *walk(dirKey: string, namePrefix: string): AsyncGenerator<ListEntry> {
    const dirPath = dirKey === '' ? this.root : join(this.root, ...dirKey.slice(0, -1).split('/'));
    let entries: Dirent[];
    try {
      entries = await readdir(dirPath, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw storageError(err, 'list', dirPath);
    }
    const named = entries
      .filter((e) => e.name.startsWith(namePrefix) && !e.name.startsWith(RESERVED_SEGMENT_PREFIX))
      .filter((e) => e.isFile() || e.isDirectory())
      .map((e) => ({ entry: e, sortKey: Buffer.from(e.isDirectory() ? `${e.name}/` : e.name) }))
      .sort((a, b) => Buffer.compare(a.sortKey, b.sortKey));
    for (const { entry } of named) {
      const key = `${dirKey}${entry.name}`;
      if (entry.isDirectory()) {
        yield* this.walk(`${key}/`, '');
        continue;
      }
      try {
        const info = await lstat(join(dirPath, entry.name));
        if (info.isFile()) yield { key, size: info.size, modified: info.mtime };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted during the listing
        throw storageError(err, 'list', join(dirPath, entry.name));
      }
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return;
      throw storageError(err, 'delete', path);
    }
    await fsyncDir(dirname(path)).catch(() => undefined);
    await this.pruneEmptyDirs(dirname(path));
  }

  /** Removes `dir` and its parents up to (not including) the root while they are empty. */
  private async pruneEmptyDirs(dir: string): Promise<void> {
    while (dir.startsWith(this.root + sep)) {
      try {
        await rmdir(dir);
      } catch {
        return; // not empty (or already gone, or raced with a put): stop
      }
      dir = dirname(dir);
    }
  }

  async abortIncompleteUploads(olderThan: Date): Promise<number> {
    return this.removeStaleTemps(this.root, olderThan);
  }

  private async removeStaleTemps(dirPath: string, olderThan: Date): Promise<number> {
    let entries: Dirent[];
    try {
      entries = await readdir(dirPath, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw storageError(err, 'list', dirPath);
    }
    let removed = 0;
    for (const entry of entries) {
      const path = join(dirPath, entry.name);
      if (entry.isDirectory()) {
        removed += await this.removeStaleTemps(path, olderThan);
      } else if (entry.isFile() && entry.name.startsWith(RESERVED_SEGMENT_PREFIX)) {
        const info = await lstat(path).catch(() => null);
        if (info && info.mtime < olderThan) {
          await unlink(path).catch(() => undefined);
          removed++;
        }
      }
    }
    return removed;
  }
}
