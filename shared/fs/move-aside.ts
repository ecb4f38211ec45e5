import { mkdir, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { storageError } from '../errors/index.js';
import { DIR_MODE, FILE_MODE, compactTimestamp, exists, fsyncDir } from './durable.js';

/** Creates `<root>/<timestamp>-<label>[-n]/` (0700), a name no earlier move or copy used. */
export async function newQuarantineFolder(quarantineRoot: string, label: string, now: Date): Promise<string> {
  let folder = join(quarantineRoot, `${compactTimestamp(now)}-${label}`);
  for (let n = 2; await exists(folder); n++) folder = join(quarantineRoot, `${compactTimestamp(now)}-${label}-${n}`);
  try {
    await mkdir(folder, { recursive: true, mode: DIR_MODE });
  } catch (err) {
    throw storageError(err, 'create', folder);
  }
  return folder;
}

/**
 * Moves files into `<quarantineRoot>/<timestamp>-<label>/`, never deleting anything, and writes a
 * `REASON.json` beside them. Returns the folder. This is how redback "removes" a bad copy or a
 * live data file it is about to replace: the bytes stay where an operator can find them.
 * Files must be on the same file system as the quarantine root (rename, not copy).
 */
export async function moveAside(
  quarantineRoot: string,
  label: string,
  files: readonly string[],
  reason: Record<string, unknown>,
  now: Date = new Date(),
): Promise<string> {
  const folder = await newQuarantineFolder(quarantineRoot, label, now);
  try {
    const moved: string[] = [];
    for (const file of files) {
      if (!(await exists(file))) continue;
      const dest = join(folder, basename(file));
      await rename(file, dest);
      moved.push(file);
    }
    await writeFile(
      join(folder, 'REASON.json'),
      JSON.stringify({ ...reason, movedAt: now.toISOString(), files: moved }, null, 2) + '\n',
      { mode: FILE_MODE },
    );
    await fsyncDir(folder);
    return folder;
  } catch (err) {
    throw storageError(err, 'move aside into', folder);
  }
}
