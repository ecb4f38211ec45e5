import { createWriteStream } from 'node:fs';
import { rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { ensureDir } from '../../shared/fs/durable.js';
import type { ArchiveRecord } from '../../shared/offsite/archive-layout.js';
import { decodeObject } from '../../shared/offsite/object-codec.js';
import { isoOf } from '../../shared/offsite/recovery-window.js';
import { loadOperatorKey, unwrapDataKey } from '../../shared/offsite/set-keys.js';
import { formatBytes } from '../../shared/output/format.js';
import { formatDuration } from '../../shared/time/clock.js';
import { keysOfSummary } from '../../shared/rdb/rdb-summary.js';
import type { AgentContext } from '../agent-context.js';
import { aofToRdb, cutAtSecond, writeReplayManifest } from '../aof/aof-replay.js';
import { DEFAULT_APPENDDIRNAME, DEFAULT_APPENDFILENAME } from '../aof/aof-manifest.js';
import { openOffsite, ownerFor, type OffsiteAccess } from '../offsite/offsite-session.js';
import { runCopyPipeline } from '../snapshot/copy-pipeline.js';
import { loadArchiveIndex, newestSecond, planReplay, type ArchiveIndex, type ReplayPlan } from './aof-archive-index.js';
import { maxRdbVersion, redisServerVersion } from './redis-version.js';
import { registerRestoreSource, type ExpectedRdb, type RestoreSource } from './restore-source.js';

/**
 * The continuous AOF archive as the source of the one restore runbook (issue 10 item 4): the data
 * as it was at the end of second T (every write annotated `#TS:` ≤ T, nothing later), or at the
 * newest shipped second ("latest"). `fetch`, all before Redis is touched:
 *
 * 1. picks the base and segments that cover T (aof-archive-index.ts; OUTSIDE_WINDOW, exit 19,
 *    when no epoch covers T: before the archive, after its newest second, or in a gap);
 * 2. downloads each through the offsite codec into a scratch directory next to Redis's data,
 *    verifying every object's stored and plaintext size and SHA-256 against its record (and the
 *    segments' offsets and chain, when the index is read): a flipped byte fails with
 *    VERIFY_FAILED, exit 8;
 * 3. writes a fresh appendonlydir with a manifest (base + incr files, Redis's own names), cuts the
 *    last file at T with `redis-check-aof --truncate-to-timestamp`;
 * 4. replays it in a scratch redis-server into an RDB (aof-replay.ts), which becomes the staged
 *    RDB: the runbook loads it with the AOF off, checks the keys against it, and turns the AOF on
 *    (CONFIG SET appendonly yes, CONFIG REWRITE) as for every other source.
 */

export const LATEST = 'latest';

/** `pitr-<unix seconds>`: the id (and descriptor) of a restore to second ts. */
export function archiveSourceId(ts: number): string {
  return `pitr-${ts}`;
}

export function describeArchiveSource(ts: number, plan: Pick<ReplayPlan, 'epoch' | 'incrs' | 'storedBytes'>, latest: boolean): string {
  const segments = plan.incrs.reduce((n, i) => n + i.segments.length, 0);
  return `AOF archive at ${isoOf(ts)}${latest ? ' (the newest shipped second)' : ''}: epoch ${plan.epoch}, base + ${segments} segment${segments === 1 ? '' : 's'}, ${formatBytes(plan.storedBytes)} stored`;
}

export interface ArchiveSourceOptions {
  /** Second to restore (unix seconds), or 'latest'. */
  at: number | typeof LATEST;
}

/** The archive source for a time, with the archive's index (loaded here unless given). */
export async function openArchiveSource(ctx: AgentContext, instance: InstanceConfig, options: ArchiveSourceOptions, loaded?: { access: OffsiteAccess; index: ArchiveIndex }): Promise<RestoreSource> {
  const access = loaded?.access ?? (await openOffsite(ctx));
  const owner = ownerFor(ctx, access, instance.name);
  const index = loaded?.index ?? (await loadArchiveIndex(access.target, owner.prefix, owner));
  if (!index) {
    throw new RedbackError('OUTSIDE_WINDOW', `${instance.name} has no continuous AOF archive in the offsite store`, {
      hint: 'turn archiving on for the instance (policy archive: true), or restore a nightly set (redback agent offsite-list)',
    });
  }
  const latest = options.at === LATEST;
  const ts = options.at === LATEST ? newestSecond(index) : options.at;
  if (ts === null) throw new RedbackError('OUTSIDE_WINDOW', `the AOF archive of ${instance.name} has no restorable second yet`, { hint: 'wait for the archiver to ship the first base and segment, or restore a nightly set' });
  const plan = planReplay(index, ts, instance.name);
  const label = describeArchiveSource(ts, plan, latest);
  const binary = instance.control?.type === 'process' ? (instance.control.binary ?? 'redis-server') : 'redis-server';
  const version = await redisServerVersion(binary);
  const expected: ExpectedRdb = {
    sha256: '',
    // What the preflight's disk check sees: the AOF is at least as large as the RDB it replays to.
    bytes: plan.plainBytes,
    keys: {},
    expires: {},
    usedMem: null,
    rdbVersion: (version ? maxRdbVersion(version) : null) ?? 10,
    snapshotAt: isoOf(ts),
  };
  return {
    kind: 'aof-archive',
    id: archiveSourceId(ts),
    expected,
    // The resolved second, never "latest": a resumed run replays the same data.
    descriptor: { kind: 'aof-archive', id: archiveSourceId(ts), ts },
    describe: () => label,
    fetch: async (destination, onProgress, fetchOptions) => {
      const work = `${destination}.pitr`;
      await rm(work, { recursive: true, force: true }); // our own leftover from an interrupted fetch
      const aofDir = join(work, DEFAULT_APPENDDIRNAME);
      await ensureDir(aofDir);
      try {
        const operatorKey = needsKey(plan) ? loadOperatorKey(access.config.encryption) : null;
        let done = 0;
        const total = plan.storedBytes;
        const download = async (record: ArchiveRecord, file: string, append: boolean) => {
          const dataKey = record.encryption ? unwrapDataKey(record.encryption, operatorKey, record.key) : null;
          const stored = await access.target.get(record.key);
          const counted = new Transform({
            transform(chunk: Buffer, _e, cb) {
              done += chunk.length;
              onProgress?.(done, total);
              cb(null, chunk);
            },
          });
          const decoded = decodeObject(stored.pipe(counted), {
            objectKey: record.key,
            compression: record.compression,
            dataKey,
            label: record.key,
            expected: { plainBytes: record.plainBytes, plainSha256: record.plainSha256, storedBytes: record.storedBytes, storedSha256: record.storedSha256 },
          });
          try {
            await pipeline(decoded.stream, createWriteStream(join(aofDir, file), { flags: append ? 'a' : 'wx', mode: 0o600 }));
          } catch (err) {
            if (err instanceof RedbackError) throw err;
            throw storageError(err, 'write archived AOF file', join(aofDir, file));
          }
        };
        const notes: string[] = [];
        let t = Date.now();
        const lap = () => {
          const ms = Date.now() - t;
          t = Date.now();
          return formatDuration(ms);
        };
        await download(plan.base.record, plan.base.file, false);
        for (const incr of plan.incrs) for (const segment of incr.segments) await download(segment, incr.file, true);
        const segments = plan.incrs.reduce((n, i) => n + i.segments.length, 0);
        notes.push(`downloaded the base and ${segments} segment${segments === 1 ? '' : 's'} (${formatBytes(plan.storedBytes)} stored, ${formatBytes(plan.plainBytes)} of AOF) in ${lap()}: every size and SHA-256 matches its record`);
        const manifest = await writeReplayManifest(aofDir, DEFAULT_APPENDFILENAME, { name: plan.base.file, seq: plan.base.gen }, plan.incrs.map((i) => ({ name: i.file, seq: i.seq })));
        // Only when the downloaded bytes hold a write after ts ("latest" never does): cut the last file there.
        const last = plan.incrs.at(-1);
        const newestTs = plan.incrs.flatMap((i) => i.segments).reduce((max, r) => Math.max(max, r.lastTs ?? 0), 0);
        if (last && newestTs > ts) {
          const cut = await cutAtSecond(manifest, join(aofDir, last.file), ts);
          notes.push(`cut ${last.file} at ${isoOf(ts)} (${cut.how}: ${formatBytes(cut.bytesBefore)} → ${formatBytes(cut.bytesAfter)}) in ${lap()}`);
        } else {
          notes.push(`nothing to cut: no downloaded write is after ${isoOf(ts)}`);
        }
        const replayed = await aofToRdb(work, { binary, appenddirname: DEFAULT_APPENDDIRNAME, appendfilename: DEFAULT_APPENDFILENAME });
        notes.push(`replayed in a scratch redis-server: ${replayed.keys} keys, loaded in ${formatDuration(replayed.loadMs)}, SAVE in ${formatDuration(replayed.saveMs)} (${lap()} in all)`);
        const result = await runCopyPipeline(replayed.rdbPath, { destination, durable: fetchOptions?.durable !== false });
        notes.push(`staged the RDB (${formatBytes(result.bytes)}, structure and CRC-64 read) in ${lap()}`);
        const counts = keysOfSummary(result.summary);
        return {
          sha256: result.sha256,
          bytes: result.bytes,
          summary: result.summary,
          notes,
          expected: {
            sha256: result.sha256,
            bytes: result.bytes,
            keys: counts.keys,
            expires: counts.expires,
            ...(Object.keys(counts.hashesWithFieldTtl).length ? { hashesWithFieldTtl: counts.hashesWithFieldTtl } : {}),
            usedMem: result.summary.usedMem,
            rdbVersion: result.summary.rdbVersion,
            snapshotAt: isoOf(ts),
          },
        };
      } catch (err) {
        await unlink(destination).catch(() => undefined);
        if (err instanceof RedbackError && (err.code === 'VERIFY_FAILED' || err.code === 'AOF_CORRUPT')) {
          throw new RedbackError(err.code, `${label}: ${err.message}`, {
            hint: 'nothing was changed (redis was not touched); pick another time inside the window, or restore a nightly set with --backup SETID',
            details: { ts },
          });
        }
        throw err;
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  };
}

function needsKey(plan: ReplayPlan): boolean {
  return plan.base.record.encryption !== null || plan.incrs.some((i) => i.segments.some((s) => s.encryption !== null));
}

registerRestoreSource('aof-archive', (ctx, instance, descriptor) => openArchiveSource(ctx, instance, { at: Number(descriptor.ts) }));
