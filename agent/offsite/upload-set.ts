import { hostname } from 'node:os';
import { Readable } from 'node:stream';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { encodeObject, SEGMENT_BYTES_DEFAULT, type CodedStream, type Compression } from '../../shared/offsite/object-codec.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import { loadOperatorKey, newDataKey, wrapDataKey, type EncryptionHeader, type OperatorKeySource } from '../../shared/offsite/set-keys.js';
import { newSetId, sealSetManifest, type SetManifest, type SetObject } from '../../shared/offsite/set-manifest.js';
import { setObjectKey, setObjectName, type SetOwner } from '../../shared/offsite/set-paths.js';
import { cleanupIncompleteSets, writeSetManifest, type IncompleteSet } from '../../shared/offsite/set-store.js';
import { PRODUCER } from '../../shared/version/version.js';
import type { AgentContext } from '../agent-context.js';
import { agentIdOf } from '../session/coordinator-link.js';
import { withInstanceLock } from '../store/instance-lock.js';
import { pinSet, type PinnedFile } from './set-builder.js';
import { failpoint } from '../../shared/testing/failpoints.js';

export interface UploadSetOptions {
  target: OffsiteTarget;
  /** The offsite config's prefix ('' for none). */
  prefix: string;
  compression: Compression;
  level?: number;
  encryption?: OperatorKeySource | undefined;
  rdbMaxAgeMs: number;
  /** Phase changes and bytes: `done`/`total` count plaintext bytes of the set read so far. */
  onProgress?: (phase: 'pin' | 'upload' | 'manifest' | 'cleanup', done: number, total: number) => void;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /**
   * Runs the pin step (the only part that needs the instance: a BGSAVE or a local copy, the AOF
   * links under the instance lock). The daemon passes its per-instance queue here, so a scheduled
   * snapshot waits for the pin only, never for the upload, which reads the pinned files.
   */
  pinWith?: <T>(pin: () => Promise<T>) => Promise<T>;
}

export interface UploadSetOutcome {
  manifest: SetManifest;
  owner: SetOwner;
  plainBytes: number;
  storedBytes: number;
  ms: number;
  /** Incomplete sets of earlier, interrupted uploads that were removed. */
  cleaned: IncompleteSet[];
}

/**
 * Uploads one offsite set of an instance now (S7) — what `redback agent upload`, the agent's
 * upload job and the nightly schedule all call:
 *
 * 1. one upload per instance at a time (`<backupDir>/<instance>/.offsite.lock`);
 * 2. load the operator key first: a missing or malformed key fails before anything is written;
 * 3. pin the set's files (set-builder.ts: RDB copy or fresh BGSAVE, AOF links, redis.conf, ACL),
 *    through `pinWith` (the daemon's instance queue) when given: only this step waits for, and
 *    holds up, the instance's other work; the rest reads the pinned (open) files;
 * 4. each file → zstd → AES-256-GCM (when encrypted) → target.put, hashing both sides on the
 *    fly; then stat checks the stored size; the RDB's SHA-256 must equal its local manifest's;
 * 5. the manifest, LAST, twice (`manifest.json`, `manifest.copy.json`): only now does the set exist;
 * 6. incomplete sets this instance's earlier uploads left behind (killed, failed) are removed;
 * 7. the pinned files are released and the temp link directory removed, whatever happened.
 */
export async function uploadSet(ctx: AgentContext, instance: InstanceConfig, options: UploadSetOptions): Promise<UploadSetOutcome> {
  return withInstanceLock(ctx.layout.offsiteLockFile(instance.name), 'offsite upload', async () => {
    const started = ctx.clock.now();
    const setId = newSetId(started);
    const owner: SetOwner = { prefix: options.prefix, agentId: agentIdOf(ctx.config), instance: instance.name };
    const operatorKey = loadOperatorKey(options.encryption, options.env ?? process.env);
    const dataKey = operatorKey ? newDataKey() : null;
    const encryption: EncryptionHeader | null = operatorKey && dataKey ? wrapDataKey(dataKey, operatorKey, setId, SEGMENT_BYTES_DEFAULT) : null;
    const progress = options.onProgress ?? (() => undefined);

    progress('pin', 0, 0);
    const pin = () =>
      pinSet(ctx, instance, setId, {
        rdbMaxAgeMs: options.rdbMaxAgeMs,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    const pinned = await (options.pinWith ? options.pinWith(pin) : pin());
    try {
      const total = pinned.files.reduce((n, f) => n + f.bytes, 0);
      let done = 0;
      const objects: SetObject[] = [];
      for (const file of pinned.files) {
        options.signal?.throwIfAborted();
        const object = await uploadFile(options, owner, setId, file, dataKey, (n) => progress('upload', done + n, total));
        done += file.bytes;
        progress('upload', done, total);
        if (file.kind === 'rdb' && object.plainSha256 !== pinned.rdb.copy.sha256) {
          throw new RedbackError('VERIFY_FAILED', `local copy ${pinned.rdb.copy.id} read back with sha256 ${object.plainSha256.slice(0, 16)}…, its manifest says ${pinned.rdb.copy.sha256.slice(0, 16)}…`, {
            hint: 'the local copy is damaged: run redback agent verify, then upload again (a fresh snapshot is taken)',
          });
        }
        objects.push(object);
        ctx.logger.info({ instance: instance.name, set: setId, object: object.key, plainBytes: object.plainBytes, storedBytes: object.storedBytes }, 'offsite object uploaded');
      }

      failpoint('offsite:before-manifest');
      progress('manifest', done, total);
      const copy = pinned.rdb.copy;
      const manifest = sealSetManifest({
        format: 'redback.set/v1',
        setId,
        instance: instance.name,
        agentId: owner.agentId,
        host: hostname(),
        redisVersion: copy.redisVersion ?? pinned.layout.redisVersion,
        rdbVersion: copy.rdbVersion,
        rdbCrc64: copy.crc64,
        keys: copy.keys,
        expires: copy.expires,
        usedMem: copy.usedMem,
        snapshotAt: copy.snapshotAt,
        startedAt: started.toISOString(),
        createdAt: ctx.clock.now().toISOString(),
        rdbSource: { kind: pinned.rdb.source, copyId: copy.id },
        aof: pinned.aof ? { manifestName: pinned.aof.files.find((f) => f.role === 'manifest')!.name, files: pinned.aof.files.length } : null,
        encryption,
        objects,
        producer: PRODUCER,
      });
      await writeSetManifest(options.target, owner, manifest);
      ctx.logger.info({ instance: instance.name, set: setId, objects: objects.length }, 'offsite set complete');

      progress('cleanup', done, total);
      const cleaned = await cleanupIncompleteSets(options.target, owner, { before: started, keep: new Set([setId]) }).catch((err) => {
        ctx.logger.warn({ instance: instance.name, err: (err as Error).message }, 'could not clean up incomplete offsite sets');
        return [] as IncompleteSet[];
      });
      for (const c of cleaned) ctx.logger.info({ instance: instance.name, set: c.setId, objects: c.objects }, 'removed an incomplete offsite set');
      return {
        manifest,
        owner,
        plainBytes: objects.reduce((n, o) => n + o.plainBytes, 0),
        storedBytes: objects.reduce((n, o) => n + o.storedBytes, 0),
        ms: ctx.clock.now().getTime() - started.getTime(),
        cleaned,
      };
    } finally {
      await pinned.release();
    }
  });
}

async function uploadFile(
  options: UploadSetOptions,
  owner: SetOwner,
  setId: string,
  file: PinnedFile,
  dataKey: Buffer | null,
  onBytes: (n: number) => void,
): Promise<SetObject> {
  const relative = setObjectName(owner, setId, file.kind, file.name, options.compression, dataKey !== null);
  const key = setObjectKey(owner, setId, relative);
  // A factory, so a retrying target can re-read and re-encode the object from the start; only
  // the pinned length is read (an incr AOF file keeps growing), and `end` is inclusive, so an
  // empty file gets an empty stream rather than a one-byte read.
  let encoded: CodedStream | null = null;
  const body = (): Readable => {
    const source: Readable =
      file.bytes === 0 ? Readable.from([]) : file.handle.createReadStream({ start: 0, end: file.bytes - 1, autoClose: false, highWaterMark: 1024 * 1024 });
    let read = 0;
    source.on('data', (c: Buffer) => onBytes((read += c.length)));
    encoded = encodeObject(source, {
      objectKey: relative,
      compression: options.compression,
      ...(options.level !== undefined ? { level: options.level } : {}),
      dataKey,
    });
    return encoded.stream;
  };
  // An upper bound of the stored size (zstd's worst case and the GCM framing) lets S3 choose a
  // part size that keeps the object under 10 000 parts.
  const maxSize = Math.ceil(file.bytes * 1.01) + 1024 * 1024;
  await options.target.put(key, body, { maxSize, ...(options.signal ? { signal: options.signal } : {}) });
  if (!encoded) throw new RedbackError('INTERNAL', `the target stored ${key} without reading its body`);
  const digests = (encoded as CodedStream).digests();
  if (digests.plainBytes !== file.bytes) {
    throw new RedbackError('STORAGE_ERROR', `read ${digests.plainBytes} bytes of ${file.name}, expected ${file.bytes}`, { hint: 'the file changed while it was uploaded; upload again' });
  }
  const stat = await options.target.stat(key);
  if (!stat || stat.size !== digests.storedBytes) {
    throw new RedbackError('OFFSITE_ERROR', `${key} was stored with ${stat?.size ?? 'no'} bytes, ${digests.storedBytes} were sent`, {
      hint: 'the offsite store did not keep what was sent; upload again',
    });
  }
  return {
    key: relative,
    kind: file.kind,
    name: file.name,
    plainBytes: digests.plainBytes,
    plainSha256: digests.plainSha256,
    storedBytes: digests.storedBytes,
    storedSha256: digests.storedSha256,
    compression: options.compression,
    encrypted: dataKey !== null,
  };
}
