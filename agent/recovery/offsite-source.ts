import { createWriteStream } from 'node:fs';
import { open, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir } from '../../shared/fs/durable.js';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { formatBytes } from '../../shared/output/format.js';
import { RdbStreamReader } from '../../shared/rdb/index.js';
import { crc64Hex } from '../../shared/rdb/crc64.js';
import type { RdbSummary } from '../../shared/rdb/rdb-summary.js';
import { loadOperatorKey } from '../../shared/offsite/set-keys.js';
import { rdbObjectOf, setBytes, type SetManifest } from '../../shared/offsite/set-manifest.js';
import { findSet } from '../../shared/offsite/set-store.js';
import { dataKeyOf, openSetObject } from '../../shared/offsite/verify-set.js';
import type { AgentContext } from '../agent-context.js';
import { openOffsite, ownerFor, type OffsiteAccess } from '../offsite/offsite-session.js';
import { registerRestoreSource, type ConfigFile, type ExpectedRdb, type RestoreSource, type SourceDescriptor } from './restore-source.js';

/** What a restore must find again in the set's RDB. */
export function expectedOfSet(m: SetManifest): ExpectedRdb {
  const rdb = rdbObjectOf(m);
  return { sha256: rdb.plainSha256, bytes: rdb.plainBytes, keys: m.keys, expires: m.expires, usedMem: m.usedMem, rdbVersion: m.rdbVersion, snapshotAt: m.snapshotAt ?? m.createdAt };
}

export function describeSet(m: SetManifest): string {
  return `offsite set ${m.setId} (created ${m.createdAt.replace(/\.\d+Z$/, 'Z')}, ${formatBytes(setBytes(m).stored)} stored${m.encryption ? ', encrypted' : ''})`;
}

/**
 * An offsite set as the source of the one restore runbook (S11). `fetch`:
 *
 * 1. unwraps the set's data key first: a missing or wrong operator key fails (exit 17) before a
 *    byte is written;
 * 2. downloads the RDB object and decodes it (GCM segments, zstd) straight into the staged file
 *    next to Redis's data (created exclusively, 0600), while the RDB reader walks the same bytes;
 * 3. before the stream ends, the stored and plaintext sizes and SHA-256 are checked against the
 *    set manifest; then the RDB's CRC-64 against the file's trailer and the manifest;
 * 4. any failure removes the staged file: the runbook has not touched Redis yet.
 */
export function offsiteSetSource(ctx: AgentContext, access: OffsiteAccess, manifest: SetManifest): RestoreSource {
  const expected = expectedOfSet(manifest);
  const label = describeSet(manifest);
  return {
    kind: 'offsite',
    id: manifest.setId,
    expected,
    descriptor: { kind: 'offsite', id: manifest.setId, owner: { agentId: manifest.agentId, instance: manifest.instance } },
    describe: () => label,
    fetchConfigFiles: async (dir) => {
      const dataKey = dataKeyOf(manifest, loadOperatorKey(access.config.encryption));
      await ensureDir(dir);
      const out: ConfigFile[] = [];
      for (const object of manifest.objects) {
        if (object.kind !== 'config' && object.kind !== 'acl') continue;
        const path = join(dir, object.name);
        await unlink(path).catch(() => undefined); // our own leftover from an interrupted run
        const decoded = await openSetObject(access.target, access.config.prefix, manifest, object, dataKey);
        try {
          await pipeline(decoded.stream, createWriteStream(path, { flags: 'wx', mode: 0o600 }));
        } catch (err) {
          await unlink(path).catch(() => undefined);
          throw err;
        }
        out.push({ kind: object.kind, name: object.name, path });
      }
      return out;
    },
    fetch: async (destination, onProgress, fetchOptions) => {
      const dataKey = dataKeyOf(manifest, loadOperatorKey(access.config.encryption));
      const rdb = rdbObjectOf(manifest);
      let handle: FileHandle;
      try {
        handle = await open(destination, 'wx', 0o600);
      } catch (err) {
        throw storageError(err, 'create staged RDB', destination);
      }
      const sink = new StagedRdbWriter(handle, fetchOptions?.durable !== false, (done) => onProgress?.(done, rdb.plainBytes));
      try {
        const decoded = await openSetObject(access.target, access.config.prefix, manifest, rdb, dataKey);
        await pipeline(decoded.stream, sink);
        const summary = sink.summary!;
        const crc = crc64Hex(summary.storedChecksum);
        const problems: string[] = [];
        if (crc !== manifest.rdbCrc64) problems.push(`crc64 trailer ${crc} differs from the set manifest's ${manifest.rdbCrc64}`);
        if (summary.rdbVersion !== manifest.rdbVersion) problems.push(`rdb version ${summary.rdbVersion}, manifest ${manifest.rdbVersion}`);
        if (summary.checksumDisabled && !ctx.config.snapshot.allowUnchecksummed) problems.push('the RDB has no CRC-64 (rdbchecksum no)');
        if (problems.length) throw new RedbackError('VERIFY_FAILED', `${label} failed verification: ${problems.join('; ')}`);
        const digests = decoded.digests();
        return { sha256: digests.plainSha256, bytes: digests.plainBytes, summary };
      } catch (err) {
        await handle.close().catch(() => undefined);
        await unlink(destination).catch(() => undefined);
        if (err instanceof RedbackError && (err.code === 'VERIFY_FAILED' || err.code === 'RDB_CORRUPT')) {
          throw new RedbackError(err.code, err.message, {
            hint: `nothing was changed; pick another set with --backup SETID (redback agent offsite-list --instance ${manifest.instance})`,
            details: { setId: manifest.setId },
          });
        }
        throw err;
      }
    },
  };
}

/** Writes the plaintext to the staged file while the RDB reader checks it; fdatasync at the end when durable. */
class StagedRdbWriter extends Writable {
  private readonly reader = new RdbStreamReader();
  private written = 0;
  summary: RdbSummary | null = null;

  constructor(
    private readonly handle: FileHandle,
    private readonly durable: boolean,
    private readonly onBytes: (done: number) => void,
  ) {
    super({ highWaterMark: 4 * 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      this.reader.update(chunk);
    } catch (err) {
      return done(err as Error);
    }
    this.handle.write(chunk).then(
      () => {
        this.written += chunk.length;
        this.onBytes(this.written);
        done();
      },
      (err) => done(storageError(err, 'write staged RDB', '')),
    );
  }

  override _final(done: (err?: Error | null) => void): void {
    try {
      this.summary = this.reader.finish();
    } catch (err) {
      return done(err as Error);
    }
    (this.durable ? this.handle.datasync() : Promise.resolve())
      .then(() => this.handle.close())
      .then(() => done(), (err) => done(err as Error));
  }
}

/**
 * The offsite set a descriptor names, with the target of the agent's (or cached) offsite config.
 * `from`: a set of another instance (any agent's: every agent reads the fleet's store), for a
 * restore into another instance; default the instance's own sets.
 */
export async function openOffsiteSetSource(ctx: AgentContext, instance: InstanceConfig, setId: string, from?: SetSourceInstance): Promise<RestoreSource> {
  const access = await openOffsite(ctx);
  const owner = from ? { prefix: access.config.prefix, agentId: from.agentId, instance: from.instance } : ownerFor(ctx, access, instance.name);
  const set = await findSet(access.target, owner, { setId });
  return offsiteSetSource(ctx, access, set.manifest);
}

/** Whose data a restore takes: an instance of an agent of the fleet. */
export interface SetSourceInstance {
  agentId: string;
  instance: string;
}

function ownerOf(descriptor: SourceDescriptor): SetSourceInstance | undefined {
  const o = descriptor.owner as Partial<SetSourceInstance> | undefined;
  return o && typeof o.agentId === 'string' && typeof o.instance === 'string' ? { agentId: o.agentId, instance: o.instance } : undefined;
}

registerRestoreSource('offsite', (ctx, instance, descriptor) => openOffsiteSetSource(ctx, instance, descriptor.id, ownerOf(descriptor)));
