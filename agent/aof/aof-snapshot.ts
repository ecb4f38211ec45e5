import { copyFile, link, readFile, stat, unlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { ensureDir, exists } from '../../shared/fs/durable.js';
import { readInfo } from '../redis/info.js';
import type { RedisCommander } from '../redis/redis-client.js';
import { DEFAULT_APPENDFILENAME, parseAofManifest, type AofManifest } from './aof-manifest.js';

export interface LinkedAofFile {
  /** File name (as in the manifest; the manifest's own name for role 'manifest'). */
  name: string;
  role: 'manifest' | 'base' | 'incr' | 'history';
  /** The live file. */
  source: string;
  /** The link (or copy) in targetDir. */
  path: string;
  /**
   * Size when it was linked. A hard link shares the inode, so the last incr file keeps growing
   * as Redis appends: read only `size` bytes of it, the prefix the manifest described then.
   * (Redis appends whole commands, so that prefix ends on a command boundary.)
   */
  size: number;
  method: 'link' | 'copy';
}

export interface LinkAofResult {
  targetDir: string;
  /** Path of the manifest inside targetDir. */
  manifestPath: string;
  manifest: AofManifest;
  files: LinkedAofFile[];
  /** Sum of `size` over all files. */
  bytes: number;
}

export interface LinkAofOptions {
  /** appendfilename of the instance; asked with CONFIG GET when not given. */
  appendfilename?: string;
  /** How long to wait for a running AOF rewrite to finish. Default 10 minutes. */
  timeoutMs?: number;
  pollIntervalMs?: number;
  /** Attempts when a rewrite slips in while linking. Default 5. */
  attempts?: number;
}

/**
 * Takes a consistent, cheap snapshot of a live multi-part AOF directory for an offsite copy:
 *
 * 1. CONFIG GET auto-aof-rewrite-percentage, then CONFIG SET it to 0 so Redis does not start an
 *    automatic rewrite (which replaces base and incr files) while we link;
 * 2. waits until INFO persistence says aof_rewrite_in_progress:0 and aof_rewrite_scheduled:0;
 * 3. hard-links the manifest into targetDir (Redis replaces the manifest by rename, so the linked
 *    inode never changes), parses that copy, and hard-links every file it lists (a history file
 *    that Redis deleted meanwhile is skipped: it is not loaded anyway); falls back to a copy when
 *    a link is impossible (EXDEV: another file system; EPERM: fs.protected_hardlinks);
 * 4. checks that no rewrite started and the live manifest is unchanged; otherwise removes its own
 *    links and tries again;
 * 5. restores auto-aof-rewrite-percentage in a finally block, whatever happened.
 *
 * targetDir must be empty or absent. Returns the files with their sizes at link time.
 */
export async function linkAofDir(redis: RedisCommander, aofDir: string, targetDir: string, options: LinkAofOptions = {}): Promise<LinkAofResult> {
  const timeoutMs = options.timeoutMs ?? 10 * 60_000;
  const pollMs = options.pollIntervalMs ?? 100;
  const persistence = await readInfo(redis, 'persistence');
  if (persistence.aof_enabled === '0') {
    throw new RedbackError('NOT_FOUND', `appendonly is off: there is no live AOF in ${aofDir} to copy`, {
      hint: 'copy the RDB only, or turn AOF on (CONFIG SET appendonly yes) if the instance should have one',
    });
  }
  const appendfilename = options.appendfilename ?? (await configGet(redis, 'appendfilename')) ?? DEFAULT_APPENDFILENAME;
  const manifestName = `${appendfilename}.manifest`;
  const original = await configGet(redis, 'auto-aof-rewrite-percentage');
  if (original === null) {
    throw new RedbackError('REDIS_ERROR', 'CONFIG GET auto-aof-rewrite-percentage returned nothing', {
      hint: 'the AOF copy needs CONFIG GET/SET; is CONFIG renamed or denied to the redback user?',
    });
  }
  await redis.call('CONFIG', 'SET', 'auto-aof-rewrite-percentage', '0');
  let failure: unknown = null;
  try {
    const attempts = options.attempts ?? 5;
    for (let attempt = 1; ; attempt++) {
      await waitNoRewrite(redis, timeoutMs, pollMs);
      const linked = await linkOnce(aofDir, targetDir, manifestName);
      const info = await readInfo(redis, 'persistence');
      const liveManifest = await readFile(join(aofDir, manifestName), 'utf8').catch(() => null);
      const stable = info.aof_rewrite_in_progress === '0' && liveManifest === linked.manifestText;
      if (stable && linked.complete) return linked.result;
      await Promise.all(linked.result.files.map((f) => unlink(f.path).catch(() => undefined)));
      if (attempt >= attempts) {
        throw new RedbackError('STORAGE_ERROR', `the AOF in ${aofDir} kept changing while it was linked (${attempts} attempts)`, {
          hint: 'something keeps starting AOF rewrites (BGREWRITEAOF); try again later',
        });
      }
    }
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    try {
      await redis.call('CONFIG', 'SET', 'auto-aof-rewrite-percentage', original);
    } catch (err) {
      // Never hide that automatic rewrites stay off (the AOF would grow without bound)…
      // …but do not mask the error that got us here either.
      if (failure === null) {
        throw new RedbackError('REDIS_ERROR', `could not restore auto-aof-rewrite-percentage to ${original}: ${(err as Error).message}`, {
          hint: `run CONFIG SET auto-aof-rewrite-percentage ${original} on the instance by hand`,
          cause: err,
        });
      }
    }
  }
}

async function linkOnce(
  aofDir: string,
  targetDir: string,
  manifestName: string,
): Promise<{ result: LinkAofResult; manifestText: string; complete: boolean }> {
  await ensureDir(targetDir);
  const files: LinkedAofFile[] = [];
  const manifestSource = join(aofDir, manifestName);
  if (!(await exists(manifestSource))) {
    throw new RedbackError('NOT_FOUND', `no AOF manifest at ${manifestSource}`, {
      hint: 'check dir, appenddirname and appendfilename of the instance (CONFIG GET)',
    });
  }
  const manifestFile = await place(manifestSource, join(targetDir, manifestName), manifestName, 'manifest');
  files.push(manifestFile);
  const manifestText = await readFile(manifestFile.path, 'utf8');
  const manifest = parseAofManifest(manifestText, manifestFile.path);
  let complete = true;
  const listed: Array<[{ name: string }, LinkedAofFile['role']]> = [
    ...(manifest.base ? [[manifest.base, 'base'] as [{ name: string }, LinkedAofFile['role']]] : []),
    ...manifest.incrs.map((e) => [e, 'incr'] as [{ name: string }, LinkedAofFile['role']]),
    ...manifest.history.map((e) => [e, 'history'] as [{ name: string }, LinkedAofFile['role']]),
  ];
  for (const [entry, role] of listed) {
    try {
      files.push(await place(join(aofDir, entry.name), join(targetDir, basename(entry.name)), entry.name, role));
    } catch (err) {
      const code = (err as RedbackError).details?.code ?? (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') throw err;
      if (role !== 'history') complete = false; // a rewrite finished in between: retry
    }
  }
  const bytes = files.reduce((sum, f) => sum + f.size, 0);
  return { result: { targetDir, manifestPath: manifestFile.path, manifest, files, bytes }, manifestText, complete };
}

async function place(source: string, dest: string, name: string, role: LinkedAofFile['role']): Promise<LinkedAofFile> {
  let method: LinkedAofFile['method'] = 'link';
  try {
    await link(source, dest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new RedbackError('NOT_FOUND', `${source} disappeared`, { details: { code } });
    if (code !== 'EXDEV' && code !== 'EPERM') throw storageError(err, 'link', dest);
    method = 'copy';
    try {
      await copyFile(source, dest);
    } catch (copyErr) {
      if ((copyErr as NodeJS.ErrnoException).code === 'ENOENT') throw new RedbackError('NOT_FOUND', `${source} disappeared`, { details: { code: 'ENOENT' } });
      throw storageError(copyErr, 'copy', dest);
    }
  }
  const size = (await stat(dest)).size;
  return { name, role, source, path: dest, size, method };
}

async function waitNoRewrite(redis: RedisCommander, timeoutMs: number, pollMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const info = await readInfo(redis, 'persistence');
    if (info.aof_rewrite_in_progress === '0' && info.aof_rewrite_scheduled === '0') return;
    if (Date.now() > deadline) {
      throw new RedbackError('TIMEOUT', `an AOF rewrite was still running after ${Math.round(timeoutMs / 1000)}s`, {
        hint: 'the dataset is large or the disk slow; try again later',
      });
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

async function configGet(redis: RedisCommander, name: string): Promise<string | null> {
  const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
  for (let i = 0; i + 1 < reply.length; i += 2) if (reply[i] === name) return reply[i + 1]!;
  return null;
}
