import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { exists } from '../../shared/fs/durable.js';
import { isPlainFileName } from '../../shared/fs/plain-name.js';
import { splitArgs } from '../redis/redis-conf.js';

/**
 * The multi-part AOF manifest of Redis 7 (`<dir>/<appenddirname>/<appendfilename>.manifest`):
 *
 *   file appendonly.aof.2.base.rdb seq 2 type b
 *   file appendonly.aof.2.incr.aof seq 2 type i
 *   file appendonly.aof.3.incr.aof seq 3 type i
 *
 * One base (`type b`, `.base.rdb` or `.base.aof`), incr files in load order (`type i`) and
 * history files (`type h`: replaced by a rewrite, waiting to be deleted; not loaded). Lines are
 * split like Redis does (sdssplitargs), so names with spaces arrive quoted; `#` lines are
 * comments; key/value pairs may come in any order and unknown keys are ignored.
 */

export type AofFileType = 'b' | 'h' | 'i';

export interface AofManifestEntry {
  /** File name as listed (relative to the manifest's directory). */
  name: string;
  seq: number;
  type: AofFileType;
}

export interface AofManifest {
  /** Path of the manifest file. */
  path: string;
  /** The AOF directory (the manifest's directory); listed names are relative to it. */
  dir: string;
  base: AofManifestEntry | null;
  /** Incr files in manifest (= load) order. */
  incrs: AofManifestEntry[];
  history: AofManifestEntry[];
}

export const DEFAULT_APPENDFILENAME = 'appendonly.aof';
export const DEFAULT_APPENDDIRNAME = 'appendonlydir';

/** `<dir>/<appenddirname>/<appendfilename>.manifest`. */
export function aofManifestPath(dir: string, appenddirname = DEFAULT_APPENDDIRNAME, appendfilename = DEFAULT_APPENDFILENAME): string {
  const aofDir = isAbsolute(appenddirname) ? appenddirname : join(dir, appenddirname);
  return join(aofDir, `${appendfilename}.manifest`);
}

/** The manifest path when it exists, else null. */
export async function findAofManifest(dir: string, appenddirname = DEFAULT_APPENDDIRNAME, appendfilename = DEFAULT_APPENDFILENAME): Promise<string | null> {
  const path = aofManifestPath(dir, appenddirname, appendfilename);
  return (await exists(path)) ? path : null;
}

/** Parses manifest text; throws AOF_CORRUPT naming the line when it is not a manifest Redis would accept. */
export function parseAofManifest(text: string, path: string): AofManifest {
  const manifest: AofManifest = { path, dir: dirname(path), base: null, incrs: [], history: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const bad = (why: string): RedbackError =>
      new RedbackError('AOF_CORRUPT', `invalid AOF manifest ${path} at line ${i + 1}: ${why}`, {
        hint: 'the manifest is damaged: Redis will not start with it; restore from an RDB copy (redback agent recover)',
        details: { path, line: i + 1, text: line },
      });
    const args = splitArgs(line);
    if (args === null || args.length % 2 !== 0) throw bad('not a list of key value pairs');
    const fields: Record<string, string> = {};
    for (let k = 0; k < args.length; k += 2) fields[args[k]!] = args[k + 1]!;
    const name = fields.file;
    const seq = Number(fields.seq);
    const type = fields.type;
    if (!name) throw bad('no file name');
    if (!Number.isInteger(seq) || seq < 0) throw bad(`bad seq "${fields.seq ?? ''}"`);
    if (type !== 'b' && type !== 'h' && type !== 'i') throw bad(`bad type "${type ?? ''}"`);
    if (!isPlainFileName(name)) throw bad(`file name "${name}" is not a plain file name (no "/", ".", "..")`);
    const entry: AofManifestEntry = { name, seq, type };
    if (type === 'b') {
      if (manifest.base) throw bad('more than one base file');
      manifest.base = entry;
    } else if (type === 'i') {
      manifest.incrs.push(entry);
    } else {
      manifest.history.push(entry);
    }
  }
  return manifest;
}

export async function readAofManifest(path: string): Promise<AofManifest> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw storageError(err, 'read AOF manifest', path);
  }
  return parseAofManifest(text, path);
}

/** The files Redis loads, in order: base first, then the incrs. */
export function loadedFiles(manifest: AofManifest): AofManifestEntry[] {
  return [...(manifest.base ? [manifest.base] : []), ...manifest.incrs];
}

/** The file `redis-check-aof --fix` may truncate: the last loaded file. */
export function lastFile(manifest: AofManifest): AofManifestEntry | null {
  const files = loadedFiles(manifest);
  return files[files.length - 1] ?? null;
}

export function entryPath(manifest: AofManifest, entry: AofManifestEntry): string {
  return join(manifest.dir, entry.name);
}
