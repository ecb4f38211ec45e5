import { open, readdir, rm, stat, type FileHandle } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import type { CopyManifest } from '../../shared/manifest/copy-manifest.js';
import type { ObjectKind } from '../../shared/offsite/set-manifest.js';
import type { AgentContext } from '../agent-context.js';
import { linkAofDir, type LinkAofResult } from '../aof/aof-snapshot.js';
import { readInfo } from '../redis/info.js';
import { discoverLayout, aofDirPath, type InstanceLayout } from '../redis/discover.js';
import { connectRedis } from '../redis/redis-client.js';
import { takeSnapshot } from '../snapshot/take-snapshot.js';
import { withInstanceLock } from '../store/instance-lock.js';

/** `<dir>/.redback-offsite-<set>/`: hard links of the AOF files while a set is uploaded. */
export const LINK_DIR_PREFIX = '.redback-offsite-';

/** One file that becomes one object of the set, opened (pinned) before the upload starts. */
export interface PinnedFile {
  kind: ObjectKind;
  /** Its name on the Redis host (`dump.rdb`, `appendonly.aof.1.base.rdb`, `redis.conf`, `users.acl`). */
  name: string;
  /** The open file: bytes stay readable even if the path is replaced or deleted meanwhile. */
  handle: FileHandle;
  /** Bytes to read (an incr AOF file grows after it was linked: only its linked prefix belongs to the set). */
  bytes: number;
}

export interface PinnedSet {
  rdb: { copy: CopyManifest; source: 'bgsave' | 'local-copy' };
  layout: InstanceLayout;
  aof: LinkAofResult | null;
  files: PinnedFile[];
  /** Closes the files and removes the temp directory of AOF links; safe to call twice. */
  release(): Promise<void>;
}

export interface PinOptions {
  /** A verified local copy younger than this is used instead of a fresh BGSAVE. */
  rdbMaxAgeMs: number;
  signal?: AbortSignal;
  onPhase?: (phase: string) => void;
}

/**
 * Pins everything a nightly set holds, so the upload reads a consistent picture however long it
 * takes:
 *
 * 1. the RDB: the newest local copy younger than rdbMaxAge (verified when it was taken; its bytes
 *    are checked against its manifest's SHA-256 as they are uploaded), else a fresh snapshot
 *    through the snapshot path (BGSAVE, verified copy into the hourly tier); the file is opened;
 * 2. under the instance lock: the AOF directory, when appendonly is on, hard-linked file by file
 *    into `<dir>/.redback-offsite-<set>/` while no rewrite runs (agent/aof/aof-snapshot.ts holds
 *    rewrites off and restores the setting even on failure); redis.conf and the ACL file (when
 *    `aclfile` is set) are opened;
 * 3. release() closes every file and removes the link directory, whatever happened.
 */
export async function pinSet(ctx: AgentContext, instance: InstanceConfig, setId: string, options: PinOptions): Promise<PinnedSet> {
  const files: PinnedFile[] = [];
  let linkDir: string | null = null;
  let released = false;
  const release = async () => {
    if (released) return;
    released = true;
    await Promise.all(files.map((f) => f.handle.close().catch(() => undefined)));
    if (linkDir) await rm(linkDir, { recursive: true, force: true }).catch(() => undefined);
  };
  try {
    options.onPhase?.('rdb');
    const rdb = await chooseRdb(ctx, instance, options);
    const rdbHandle = await openFile(rdb.copyPath);
    files.push({ kind: 'rdb', name: basename(rdb.copy.file), handle: rdbHandle, bytes: rdb.copy.bytes });
    const size = (await rdbHandle.stat()).size;
    if (size !== rdb.copy.bytes) {
      throw new RedbackError('VERIFY_FAILED', `local copy ${rdb.copy.id} is ${size} bytes, its manifest says ${rdb.copy.bytes}`, {
        hint: 'run redback agent verify; the next upload takes a fresh snapshot',
      });
    }

    options.onPhase?.('aof');
    const pinned = await withInstanceLock(ctx.layout.lockFile(instance.name), 'offsite pin', async () => {
      const redis = await connectRedis(instance);
      try {
        const layout = await discoverLayout(redis, instance);
        const persistence = await readInfo(redis, 'persistence');
        let aof: LinkAofResult | null = null;
        // Link directories of uploads that were killed (this runs under the upload lock, so no
        // other upload of this instance is using one).
        for (const entry of await readdir(layout.dir).catch(() => [] as string[])) {
          if (entry.startsWith(LINK_DIR_PREFIX)) await rm(join(layout.dir, entry), { recursive: true, force: true }).catch(() => undefined);
        }
        if (persistence.aof_enabled === '1') {
          linkDir = join(layout.dir, `${LINK_DIR_PREFIX}${setId}`);
          aof = await linkAofDir(redis, aofDirPath(layout), linkDir);
          for (const f of aof.files) {
            files.push({ kind: f.role === 'manifest' ? 'aof-manifest' : 'aof', name: f.name, handle: await openFile(f.path), bytes: f.size });
          }
        }
        if (layout.configFile) {
          const handle = await openFile(layout.configFile);
          files.push({ kind: 'config', name: basename(layout.configFile), handle, bytes: (await handle.stat()).size });
        }
        const aclfile = await configGet(redis, 'aclfile');
        if (aclfile) {
          const path = isAbsolute(aclfile) ? aclfile : join(layout.dir, aclfile);
          const handle = await openFile(path);
          files.push({ kind: 'acl', name: basename(path), handle, bytes: (await handle.stat()).size });
        }
        return { layout, aof };
      } finally {
        await redis.close();
      }
    });
    return { rdb: { copy: rdb.copy, source: rdb.source }, layout: pinned.layout, aof: pinned.aof, files, release };
  } catch (err) {
    await release();
    throw err;
  }
}

async function chooseRdb(
  ctx: AgentContext,
  instance: InstanceConfig,
  options: PinOptions,
): Promise<{ copy: CopyManifest; copyPath: string; source: 'bgsave' | 'local-copy' }> {
  const now = ctx.clock.now().getTime();
  const { copies } = await ctx.store.inventory(instance.name);
  const fresh = copies
    .filter((c) => c.state === 'ok' && now - new Date(c.manifest.snapshotAt ?? c.manifest.createdAt).getTime() <= options.rdbMaxAgeMs)
    .sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt))[0];
  if (fresh) return { copy: fresh.manifest, copyPath: fresh.rdbFile, source: 'local-copy' };
  const outcome = await takeSnapshot(ctx, instance, { tier: 'hourly', ...(options.signal ? { signal: options.signal } : {}) });
  const copy = await ctx.store.findCopy(instance.name, outcome.manifest.id);
  return { copy: copy.manifest, copyPath: copy.rdbFile, source: 'bgsave' };
}

async function openFile(path: string): Promise<FileHandle> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new RedbackError('NOT_FOUND', `${path} is not a file`);
    return await open(path, 'r');
  } catch (err) {
    throw storageError(err, 'open for the offsite set', path);
  }
}

async function configGet(redis: { call(...args: string[]): Promise<unknown> }, name: string): Promise<string | null> {
  const reply = (await redis.call('CONFIG', 'GET', name).catch(() => [])) as string[];
  return reply[1] ? reply[1] : null;
}
