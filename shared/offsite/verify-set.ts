import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RedbackError } from '../errors/index.js';
import { crc64Hex } from '../rdb/crc64.js';
import { RdbStreamReader } from '../rdb/index.js';
import type { RdbSummary } from '../rdb/rdb-summary.js';
import { decodeObject, type CodedStream } from './object-codec.js';
import type { OffsiteTarget } from './offsite-target.js';
import { unwrapDataKey } from './set-keys.js';
import type { SetManifest, SetObject } from './set-manifest.js';
import { setObjectKey, type SetOwner } from './set-paths.js';

export function ownerOf(manifest: SetManifest, prefix: string): SetOwner {
  return { prefix, agentId: manifest.agentId, instance: manifest.instance };
}

/** The set's data key (null for a plain set); ENCRYPTION_KEY_MISSING / _WRONG before any data is read. */
export function dataKeyOf(manifest: SetManifest, operatorKey: Buffer | null): Buffer | null {
  return manifest.encryption ? unwrapDataKey(manifest.encryption, operatorKey, manifest.setId) : null;
}

/**
 * Downloads one object of a set and decodes it: the returned stream yields the plaintext and
 * fails (VERIFY_FAILED) before it ends when a stored or plaintext size or SHA-256 differs from
 * the manifest, or a segment fails authentication.
 */
export async function openSetObject(target: OffsiteTarget, prefix: string, manifest: SetManifest, object: SetObject, dataKey: Buffer | null, signal?: AbortSignal): Promise<CodedStream> {
  const key = setObjectKey(ownerOf(manifest, prefix), manifest.setId, object.key);
  if (object.encrypted && !dataKey) throw new RedbackError('ENCRYPTION_KEY_MISSING', `offsite object ${key} is encrypted and no key was given`);
  const stored = await target.get(key, signal ? { signal } : undefined);
  return decodeObject(stored, {
    objectKey: object.key,
    compression: object.compression,
    dataKey: object.encrypted ? dataKey : null,
    label: key,
    expected: { plainBytes: object.plainBytes, plainSha256: object.plainSha256, storedBytes: object.storedBytes, storedSha256: object.storedSha256 },
  });
}

/** Checks an RDB's plaintext on the way through: structure, CRC-64, and the manifest's CRC and key counts. */
export class RdbCheck extends Writable {
  private readonly reader = new RdbStreamReader();
  summary: RdbSummary | null = null;

  constructor(private readonly manifest: SetManifest) {
    super({ highWaterMark: 1024 * 1024 });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      this.reader.update(chunk);
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    try {
      const summary = this.reader.finish();
      const crc = crc64Hex(summary.storedChecksum);
      if (crc !== this.manifest.rdbCrc64) throw new RedbackError('VERIFY_FAILED', `the RDB's CRC-64 ${crc} differs from the set manifest's ${this.manifest.rdbCrc64}`);
      if (summary.rdbVersion !== this.manifest.rdbVersion) throw new RedbackError('VERIFY_FAILED', `the RDB is version ${summary.rdbVersion}, the set manifest says ${this.manifest.rdbVersion}`);
      this.summary = summary;
      done();
    } catch (err) {
      done(err as Error);
    }
  }
}

export interface ObjectCheck {
  key: string;
  kind: SetObject['kind'];
  storedBytes: number;
  ok: boolean;
  problem: string | null;
}

export interface SetVerification {
  setId: string;
  instance: string;
  ok: boolean;
  readData: boolean;
  objects: ObjectCheck[];
}

export interface VerifySetOptions {
  /** The offsite config's prefix. */
  prefix: string;
  /** Download, decrypt, decompress and hash every object (and walk the RDB); otherwise sizes only. */
  readData: boolean;
  /** Needed with readData on an encrypted set. */
  operatorKey?: Buffer | null;
  /** Read only these objects' data (e.g. a random subset); all when absent. */
  readKeys?: ReadonlySet<string>;
  onProgress?: (bytesDone: number, bytesTotal: number) => void;
}

/**
 * Re-reads a set: every object must exist with the stored size the manifest records; with
 * `readData`, every object is downloaded and decoded and its SHA-256s compared, and the RDB is
 * walked (structure + CRC-64). Problems are reported per object, never thrown — except a missing
 * or wrong encryption key (exit 17), which makes reading any data impossible.
 */
export async function verifySet(target: OffsiteTarget, manifest: SetManifest, options: VerifySetOptions): Promise<SetVerification> {
  const owner = ownerOf(manifest, options.prefix);
  const dataKey = options.readData ? dataKeyOf(manifest, options.operatorKey ?? null) : null;
  const total = manifest.objects.reduce((n, o) => n + o.storedBytes, 0);
  let done = 0;
  const objects: ObjectCheck[] = [];
  for (const object of manifest.objects) {
    const key = setObjectKey(owner, manifest.setId, object.key);
    const check: ObjectCheck = { key, kind: object.kind, storedBytes: object.storedBytes, ok: true, problem: null };
    objects.push(check);
    const stat = await target.stat(key);
    if (!stat) {
      Object.assign(check, { ok: false, problem: 'missing' });
      continue;
    }
    if (stat.size !== object.storedBytes) {
      Object.assign(check, { ok: false, problem: `stored size ${stat.size}, manifest ${object.storedBytes}` });
      continue;
    }
    if (!options.readData || (options.readKeys && !options.readKeys.has(object.key))) continue;
    try {
      const decoded = await openSetObject(target, options.prefix, manifest, object, dataKey);
      const base = done;
      let seen = 0;
      const sink = object.kind === 'rdb' ? new RdbCheck(manifest) : new Writable({ write: (_c, _e, cb) => cb() });
      decoded.stream.on('data', (c: Buffer) => {
        seen += c.length;
        options.onProgress?.(base + Math.min(seen, object.storedBytes), total);
      });
      await pipeline(decoded.stream, sink);
    } catch (err) {
      if (err instanceof RedbackError && err.code.startsWith('ENCRYPTION_KEY')) throw err;
      Object.assign(check, { ok: false, problem: (err as Error).message });
    }
    done += object.storedBytes;
    options.onProgress?.(done, total);
  }
  return { setId: manifest.setId, instance: manifest.instance, ok: objects.every((o) => o.ok), readData: options.readData, objects };
}
