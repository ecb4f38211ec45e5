import { hostname } from 'node:os';
import { stat } from 'node:fs/promises';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { sealManifest, type CopyManifest, type CopyManifestBody, type Tier } from '../../shared/manifest/copy-manifest.js';
import { PRODUCER } from '../../shared/version/version.js';
import { crc64Hex } from '../../shared/rdb/crc64.js';
import { keysOfSummary, type RdbSummary } from '../../shared/rdb/rdb-summary.js';
import type { AgentContext } from '../agent-context.js';
import { runBgsave } from '../redis/bgsave.js';
import { discoverLayout, rdbPath, type InstanceLayout } from '../redis/discover.js';
import { connectRedis } from '../redis/redis-client.js';
import { rememberDiscoveredLayout } from '../state/instance-state.js';
import { dayKey } from '../retention/calendar.js';
import { pruneInstance, retentionPolicyFor, type PruneOutcome } from '../retention/prune.js';
import { withInstance } from '../store/instance-guard.js';
import { newCopyId } from '../store/layout.js';
import type { LocalCopy } from '../store/local-store.js';
import { readInfo, parseKeyspace } from '../redis/info.js';
import { guardAgainstCollapse } from './collapse-guard.js';
import { runCopyPipeline } from './copy-pipeline.js';
import { verifyCopy } from './verify-copies.js';

export interface SnapshotOptions {
  tier: Tier;
  /** Override the configured snapshot mode for this run. */
  mode?: 'bgsave' | 'existing';
  onProgress?: (phase: 'bgsave' | 'copy', done: number, total: number) => void;
  signal?: AbortSignal;
  /** Take the copy even when its key count collapsed against the last count seen (`--force`; the daemon never forces). */
  force?: boolean;
}

export interface SnapshotOutcome {
  manifest: CopyManifest;
  prune: PruneOutcome;
  bgsaveMs: number | null;
  copyMs: number;
}

/**
 * Takes one verified local copy of an instance:
 * 1. lock the instance; connect to Redis and discover where dump.rdb lives;
 * 2. refuse when Redis's key count collapsed against the last count seen (before BGSAVE, so an
 *    emptied Redis does not overwrite dump.rdb), unless forced;
 * 3. BGSAVE and wait for it (or, in `existing` mode, accept dump.rdb if it is recent enough);
 * 4. stream dump.rdb into the temp file the store stages (`LocalStore.stageCopy`), hashing and checking it on the way;
 * 5. a copy that fails its checks goes to quarantine and the snapshot fails: older copies stay;
 * 6. the copy's own key count passes the same collapse guard (else it is dropped, nothing commits);
 * 7. the store commits it: rename into place, fsync the directory, write the manifest (the commit point);
 * 8. apply retention to the instance (after the copy, never before; never after a refusal).
 */
export async function takeSnapshot(ctx: AgentContext, instance: InstanceConfig, options: SnapshotOptions): Promise<SnapshotOutcome> {
  return withInstance(ctx, instance.name, `snapshot ${options.tier}`, async () => {
    const redis = await connectRedis(instance);
    let layout: InstanceLayout;
    let bgsaveMs: number | null = null;
    let source: CopyManifestBody['source'];
    try {
      layout = await discoverLayout(redis, instance);
      await rememberDiscoveredLayout(ctx, instance, layout);
      const live = await readInfo(redis, 'keyspace');
      const liveKeys = Object.values(parseKeyspace(live)).reduce((n, db) => n + db.keys, 0);
      await guardAgainstCollapse(ctx, instance, liveKeys, { force: options.force === true, stage: 'redis has' });
      const mode = options.mode ?? ctx.config.snapshot.mode;
      if (mode === 'bgsave') {
        options.onProgress?.('bgsave', 0, 1);
        const result = await runBgsave(redis, {
          instance: instance.name,
          timeoutMs: ctx.config.snapshot.bgsaveTimeout,
          pollIntervalMs: ctx.config.snapshot.pollInterval,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        bgsaveMs = result.durationMs;
        source = 'bgsave';
        ctx.logger.info({ instance: instance.name, reply: result.reply, ms: result.durationMs }, 'bgsave finished');
      } else {
        await requireRecentDump(ctx, instance, layout);
        source = 'existing';
      }
    } finally {
      await redis.close();
    }

    const copyStarted = Date.now();
    const manifest = await copyIntoTier(ctx, instance, options.tier, rdbPath(layout), {
      source,
      redisRunId: layout.runId,
      guard: { force: options.force === true },
      ...(options.onProgress ? { onProgress: (d: number, t: number) => options.onProgress!('copy', d, t) } : {}),
    });
    const copyMs = Date.now() - copyStarted;
    const prune = await pruneInstance(ctx, instance, false);
    return { manifest, prune, bgsaveMs, copyMs };
  });
}

async function requireRecentDump(ctx: AgentContext, instance: InstanceConfig, layout: InstanceLayout): Promise<void> {
  const path = rdbPath(layout);
  const info = await stat(path).catch((err) => {
    throw storageError(err, 'read', path);
  });
  const age = ctx.clock.now().getTime() - info.mtimeMs;
  if (age > ctx.config.snapshot.maxAge) {
    throw new RedbackError('SNAPSHOT_TOO_OLD', `${path} of ${instance.name} is ${Math.round(age / 1000)}s old, older than snapshot.maxAge`, {
      hint: 'take a fresh snapshot (snapshot.mode: bgsave) or raise snapshot.maxAge',
    });
  }
}

interface CopyOptions {
  source: CopyManifestBody['source'];
  redisRunId: string | null;
  onProgress?: (done: number, total: number) => void;
  /** Check the copy's key count against the last count seen before committing it. */
  guard?: { force: boolean };
}

/**
 * Copies an RDB file into a tier through the verifying pipeline and writes its manifest. Used by
 * snapshots and by imports of an RDB from elsewhere (offsite, another host).
 */
export async function copyIntoTier(
  ctx: AgentContext,
  instance: InstanceConfig,
  tier: Tier,
  sourcePath: string,
  options: CopyOptions,
): Promise<CopyManifest> {
  const id = newCopyId(ctx.clock.now());
  // The store names the files and commits the copy; the pipeline only fills the staged file.
  const staged = await ctx.store.stageCopy(instance.name, tier, id);

  let result: Awaited<ReturnType<typeof runCopyPipeline>>;
  try {
    result = await runCopyPipeline(sourcePath, {
      destination: staged.tempFile,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
  } catch (err) {
    if (err instanceof RedbackError && err.code === 'RDB_CORRUPT' && err.details?.notRdb === true) {
      // Not an RDB at all: nothing was copied; quarantine keeps a sample and a note, not the file.
      const folder = await ctx.store.quarantineSample(instance.name, id, sourcePath, staged.tempFile, `not an RDB: ${err.message}`, ctx.clock.now());
      ctx.logger.error({ instance: instance.name, copy: id, quarantine: folder, err: err.message }, 'source is not an RDB; a sample was quarantined');
      throw new RedbackError(err.code, `${sourcePath} is not an RDB file: ${err.message}`, {
        hint: `nothing was copied (a sample and a note are in ${folder}); older copies are untouched. check what wrote ${sourcePath}`,
        details: { quarantine: folder, source: sourcePath },
      });
    }
    if (err instanceof RedbackError && err.code === 'RDB_CORRUPT') {
      const folder = await staged.quarantine(err.message, ctx.clock.now());
      ctx.logger.error({ instance: instance.name, copy: id, quarantine: folder, err: err.message }, 'copy failed its checks and was quarantined');
      throw new RedbackError('RDB_CORRUPT', `copy of ${sourcePath} is corrupt: ${err.message}`, {
        hint: `the bad copy is in ${folder}; older copies are untouched. run redis-check-rdb on the source`,
        details: { quarantine: folder, source: sourcePath },
      });
    }
    // A format redback cannot read (too old, too new, Valkey) is not damage: say exactly that.
    if (err instanceof RedbackError && err.code === 'RDB_UNSUPPORTED') {
      await staged.discard();
      throw new RedbackError('RDB_UNSUPPORTED', `${sourcePath}: ${err.message}`, { hint: err.hint, details: { ...err.details, source: sourcePath }, cause: err });
    }
    // Anything else (disk full, read-only, I/O error): our own partial temp file is not a backup.
    await staged.discard();
    throw err;
  }
  if (result.summary.checksumDisabled && !ctx.config.snapshot.allowUnchecksummed) {
    const folder = await staged.quarantine('rdb has no checksum (rdbchecksum no)', ctx.clock.now());
    throw new RedbackError('RDB_NO_CHECKSUM', `${sourcePath} was written with rdbchecksum no, so redback cannot verify the copy`, {
      hint: `turn checksums on (CONFIG SET rdbchecksum yes, and in redis.conf) or set snapshot.allowUnchecksummed: true; the copy is in ${folder}`,
      details: { quarantine: folder },
    });
  }
  if (options.guard) {
    const copyKeys = Object.values(keysOfSummary(result.summary).keys).reduce((a, b) => a + b, 0);
    try {
      await guardAgainstCollapse(ctx, instance, copyKeys, { force: options.guard.force, stage: 'the copy has' });
    } catch (err) {
      await staged.discard();
      throw err;
    }
  }
  const manifest = buildManifest(
    ctx,
    { instance: instance.name, tier, id, path: staged.finalFile, bytes: result.bytes, sha256: result.sha256, summary: result.summary },
    options.source,
    options.redisRunId,
  );
  await staged.commit(manifest);
  ctx.logger.info({ instance: instance.name, copy: id, tier, bytes: result.bytes }, 'copy complete');
  return manifest;
}

/** The manifest of a copy just written, from what the pipeline learned of its bytes. */
function buildManifest(
  ctx: AgentContext,
  copy: { instance: string; tier: Tier; id: string; path: string; bytes: number; sha256: string; summary: RdbSummary },
  source: CopyManifestBody['source'],
  redisRunId: string | null,
): CopyManifest {
  const { instance, tier, id, path, bytes, sha256, summary } = copy;
  const { keys, expires, hashesWithFieldTtl } = keysOfSummary(summary);
  return sealManifest({
    format: 'redback.copy/v1',
    id,
    instance,
    tier,
    path,
    file: `${id}.rdb`,
    bytes,
    sha256,
    crc64: crc64Hex(summary.storedChecksum),
    rdbVersion: summary.rdbVersion,
    redisVersion: summary.redisVersion,
    createdAt: ctx.clock.now().toISOString(),
    snapshotAt: summary.ctime === null ? null : new Date(summary.ctime * 1000).toISOString(),
    usedMem: summary.usedMem,
    aofBase: summary.aofBase,
    keys,
    expires,
    ...(Object.keys(hashesWithFieldTtl).length > 0 ? { hashesWithFieldTtl } : {}),
    source,
    linkedFrom: null,
    pinned: false,
    host: hostname(),
    redisRunId,
    producer: PRODUCER,
  });
}

/**
 * Makes today's daily copy (in the instance's time zone): a hard link of the day's first good
 * copy when there is one and the file system allows it, otherwise a fresh snapshot into `daily`.
 * Does nothing when today already has a daily copy.
 */
export async function ensureDailyCopy(
  ctx: AgentContext,
  instance: InstanceConfig,
  options: Omit<SnapshotOptions, 'tier'> = {},
): Promise<{ action: 'exists' | 'linked' | 'snapshot'; manifest: CopyManifest }> {
  const timeZone = retentionPolicyFor(ctx, instance).timeZone;
  const today = dayKey(ctx.clock.now(), timeZone);
  const { copies } = await ctx.store.inventory(instance.name);
  const good = copies.filter((c) => c.state === 'ok' && dayKey(new Date(c.manifest.createdAt), timeZone) === today);
  const existing = good.find((c) => c.manifest.tier === 'daily');
  if (existing) return { action: 'exists', manifest: existing.manifest };
  // The day's first copy that still verifies becomes the daily; one that fails is quarantined.
  const candidates = good
    .filter((c) => c.manifest.tier !== 'daily')
    .sort((a, b) => a.manifest.createdAt.localeCompare(b.manifest.createdAt));
  for (const candidate of candidates) {
    const linked = await withInstance(ctx, instance.name, 'daily link', async () => {
      const check = await verifyCopy(candidate);
      if (!check.ok) {
        const folder = await ctx.store.quarantine(instance.name, candidate.manifest.id, [candidate.rdbFile, candidate.manifestFile], `verify before daily link: ${check.problem}`);
        ctx.logger.error({ instance: instance.name, copy: candidate.manifest.id, problem: check.problem, quarantine: folder }, 'copy failed verification and was quarantined');
        return undefined;
      }
      const manifest = await linkAsDaily(ctx, instance, candidate);
      if (manifest) await pruneInstance(ctx, instance, false);
      return manifest;
    });
    if (linked) return { action: 'linked', manifest: linked };
    if (linked === null) break; // the file system refuses hard links: take a separate copy
  }
  const outcome = await takeSnapshot(ctx, instance, { ...options, tier: 'daily' });
  return { action: 'snapshot', manifest: outcome.manifest };
}

/** Hard-links a copy into the daily tier; null when the file system refuses links. */
async function linkAsDaily(ctx: AgentContext, instance: InstanceConfig, copy: LocalCopy): Promise<CopyManifest | null> {
  const id = newCopyId(ctx.clock.now());
  const src = copy.manifest;
  const { checksum: _checksum, ...body } = src;
  const manifest = await ctx.store.linkCopy(copy, 'daily', id, (path) =>
    sealManifest({
      ...body,
      id,
      tier: 'daily',
      path,
      file: `${id}.rdb`,
      createdAt: src.createdAt,
      source: 'link',
      linkedFrom: src.id,
      pinned: false,
    }),
  );
  if (!manifest) {
    ctx.logger.warn({ instance: instance.name }, 'hard link refused; taking a separate daily copy');
    return null;
  }
  ctx.logger.info({ instance: instance.name, copy: id, linkedFrom: src.id }, 'daily copy linked');
  return manifest;
}
