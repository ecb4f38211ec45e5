import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DEFAULT_APPENDFILENAME, entryPath, parseAofManifest } from './aof-manifest.js';

/**
 * The AOF trap of DESIGN.md (S12), verified on Redis 7.0.15:
 *
 * - With `appendonly yes` and no AOF directory (or no manifest in it), Redis loads NOTHING: it
 *   ignores dump.rdb, starts empty, creates a new empty AOF base, and its next save overwrites
 *   dump.rdb with the empty dataset.
 * - With the directory present but the manifest missing, it is worse: the new empty base is
 *   written under the usual name (`appendonly.aof.1.base.rdb`), replacing an orphaned base file
 *   that still held the data.
 * - A manifest that lists a base file that is gone, or an empty manifest, makes Redis refuse to
 *   start; the usual "fix" (deleting the AOF directory) then springs the trap. We report these
 *   too, so nobody starts Redis until the data is put back or the safe restore is used.
 *
 * Starting Redis in any of these states destroys the last local data, so redback detects them
 * before every start it performs and refuses (the caller raises UNSAFE_REFUSED with the hint).
 * It is only a trap when there is data to lose: a dump.rdb, local backup copies, or orphaned AOF
 * files. A brand-new instance with none of them is fine.
 *
 * Not a trap: appendonly no; a complete AOF; an old-style single `appendonly.aof` next to the
 * directory (Redis 7 upgrades it into the directory); a manifest Redis would reject as invalid
 * (Redis refuses to start, nothing is lost).
 */

export type AofTrapReason = 'aof-dir-missing' | 'manifest-missing' | 'manifest-empty' | 'base-missing';

export interface AofTrapInput {
  /** The appendonly setting Redis will start with (redis.conf plus any overrides). */
  appendonly: boolean;
  /** `<dir>/<appenddirname>`. */
  aofDir: string;
  /** `<dir>/<dbfilename>`. */
  rdbFile: string;
  /** Whether redback holds local RDB copies of this instance. */
  hasLocalCopies: boolean;
  /** Default 'appendonly.aof'. */
  appendfilename?: string;
}

export interface AofTrap {
  reason: AofTrapReason;
  /** One line: what is wrong and what starting Redis now would do. */
  message: string;
  hint: string;
  aofDir: string;
  manifestPath: string;
  rdbFile: string;
  /** Size of dump.rdb, null when it does not exist. */
  rdbBytes: number | null;
  hasLocalCopies: boolean;
  /** AOF files in the directory that the manifest does not cover (or all of them when it is missing). */
  orphanedAofFiles: string[];
}

const HINT =
  'do not start redis like this: restore with "redback agent recover" (it starts redis with appendonly no, then rebuilds the AOF), or set appendonly no in redis.conf first';

/** Returns a description of the trap, or null when starting Redis is safe in this respect. */
export async function detectAofTrap(input: AofTrapInput): Promise<AofTrap | null> {
  if (!input.appendonly) return null;
  const appendfilename = input.appendfilename ?? DEFAULT_APPENDFILENAME;
  const manifestPath = join(input.aofDir, `${appendfilename}.manifest`);
  const rdbBytes = await sizeOf(input.rdbFile);
  const dirExists = await isDirectory(input.aofDir);
  const aofFiles = dirExists ? await aofFilesIn(input.aofDir, appendfilename) : [];

  let reason: AofTrapReason | null = null;
  let what = '';
  let orphaned: string[] = [];
  if (!dirExists) {
    // Redis 7 migrates an old-style single AOF file into the directory: that is loaded, no trap.
    if ((await sizeOf(join(dirname(input.aofDir), appendfilename))) !== null) return null;
    reason = 'aof-dir-missing';
    what = `the AOF directory ${input.aofDir} does not exist`;
  } else {
    let text: string | null = null;
    try {
      text = await readFile(manifestPath, 'utf8');
    } catch {
      text = null;
    }
    if (text === null) {
      reason = 'manifest-missing';
      what = `the AOF manifest ${manifestPath} does not exist`;
      orphaned = aofFiles;
    } else {
      let manifest;
      try {
        manifest = parseAofManifest(text, manifestPath);
      } catch {
        return null; // Redis refuses to start with an invalid manifest: nothing is lost by trying
      }
      if (!manifest.base && manifest.incrs.length === 0) {
        reason = 'manifest-empty';
        what = `the AOF manifest ${manifestPath} lists no files`;
        orphaned = aofFiles;
      } else if (manifest.base && (await sizeOf(entryPath(manifest, manifest.base))) === null) {
        reason = 'base-missing';
        what = `the AOF base ${entryPath(manifest, manifest.base)} listed in the manifest does not exist`;
        const listed = new Set([manifest.base, ...manifest.incrs, ...manifest.history].map((e) => e.name));
        orphaned = aofFiles.filter((f) => !listed.has(f));
      }
    }
  }
  if (reason === null) return null;
  const overwritten: string[] = [];
  if (rdbBytes !== null && rdbBytes > 0) overwritten.push(`${input.rdbFile} (${rdbBytes} bytes)`);
  if (orphaned.length > 0) overwritten.push(`AOF file${orphaned.length > 1 ? 's' : ''} ${orphaned.join(', ')}`);
  if (overwritten.length === 0 && !input.hasLocalCopies) return null; // nothing to lose: a fresh instance
  const consequence =
    overwritten.length > 0
      ? `redis would start with no data and overwrite ${overwritten.join(' and ')}`
      : 'redis would start with no data although local backup copies exist';
  return {
    reason,
    message: `AOF trap: appendonly is yes but ${what}; ${consequence}`,
    hint: HINT,
    aofDir: input.aofDir,
    manifestPath,
    rdbFile: input.rdbFile,
    rdbBytes,
    hasLocalCopies: input.hasLocalCopies,
    orphanedAofFiles: orphaned,
  };
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? s.size : null;
  } catch {
    return null;
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** Base and incr files of this appendfilename in the directory (by name). */
async function aofFilesIn(dir: string, appendfilename: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    return names.filter((n) => n.startsWith(`${appendfilename}.`) && /\.(base\.(rdb|aof)|incr\.aof)$/.test(n)).sort();
  } catch {
    return [];
  }
}
