import { constants } from 'node:fs';
import { copyFile, open, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { storageError } from '../errors/index.js';
import { FILE_MODE, fsyncDir } from './durable.js';
import { newQuarantineFolder } from './move-aside.js';

/**
 * The copying sibling of `moveAside` (shared/fs/move-aside.ts): copies files into
 * `<quarantineRoot>/<timestamp>-<label>/` with a `REASON.json`, leaving the originals in place.
 * Used before a tool edits a file in place (`redis-check-aof --fix` truncates the AOF it is
 * given; redis.conf edits), so the original bytes stay where an operator can find them.
 *
 * Each copy is fsynced and its size checked against the source before this returns; the copy
 * can be made across file systems (unlike moveAside's rename). Returns the folder.
 */
export async function copyAside(
  quarantineRoot: string,
  label: string,
  files: readonly string[],
  reason: Record<string, unknown>,
  now: Date = new Date(),
): Promise<string> {
  const folder = await newQuarantineFolder(quarantineRoot, label, now);
  try {
    const copied: Array<{ source: string; bytes: number }> = [];
    for (const file of files) {
      const dest = join(folder, basename(file));
      await copyFile(file, dest, constants.COPYFILE_EXCL);
      const handle = await open(dest, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const [src, dst] = await Promise.all([stat(file), stat(dest)]);
      if (src.size !== dst.size) {
        throw new Error(`copy of ${file} has ${dst.size} bytes, the source ${src.size}: the source changed while copying (is redis still running?)`);
      }
      copied.push({ source: file, bytes: dst.size });
    }
    await writeFile(
      join(folder, 'REASON.json'),
      JSON.stringify({ ...reason, copiedAt: now.toISOString(), files: copied }, null, 2) + '\n',
      { mode: FILE_MODE },
    );
    await fsyncDir(folder);
    return folder;
  } catch (err) {
    throw storageError(err, 'copy aside into', folder);
  }
}
