import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { storageError } from '../errors/index.js';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** Prefix of files being written; anything with it is incomplete and safe to remove on start. */
export const TEMP_PREFIX = '.tmp-';

export async function ensureDir(path: string, mode = DIR_MODE): Promise<void> {
  try {
    await mkdir(path, { recursive: true, mode });
  } catch (err) {
    throw storageError(err, 'create directory', path);
  }
}

/** fsync a directory so a rename or new entry in it survives a crash. */
export async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export function tempPathFor(target: string): string {
  return join(dirname(target), `${TEMP_PREFIX}${basename(target)}-${randomBytes(4).toString('hex')}`);
}

/**
 * Writes `data` to `target` so that a reader sees either the old file or the whole new one:
 * temp file in the same directory, fsync, rename, fsync of the directory.
 */
export async function writeFileAtomic(target: string, data: string | Uint8Array, mode = FILE_MODE): Promise<void> {
  const temp = tempPathFor(target);
  try {
    await writeFile(temp, data, { mode, flag: 'wx' });
    const handle = await open(temp, 'r+');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    await fsyncDir(dirname(target));
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw storageError(err, 'write', target);
  }
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** A UTC timestamp usable in file names: 20261124T031500Z. */
export function compactTimestamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}
