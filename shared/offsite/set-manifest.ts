import { createHash } from 'node:crypto';
import { z } from 'zod';
import { canonicalJson } from '../manifest/copy-manifest.js';

/**
 * The manifest of an offsite set: the commit marker. Written LAST, after every object is
 * uploaded and its stored size checked, twice (`manifest.json`, then `manifest.copy.json`); a
 * set without a manifest that loads is incomplete, is never listed as restorable and is cleaned
 * up. `checksum` (the last field) is the SHA-256 of the canonical JSON of everything else, so a
 * damaged manifest is detected and the copy is loaded instead.
 */
export const SET_MANIFEST_FORMAT = 'redback.set/v1';

export const OBJECT_KINDS = ['rdb', 'aof', 'aof-manifest', 'config', 'acl'] as const;
export type ObjectKind = (typeof OBJECT_KINDS)[number];

const sha = z.string().regex(/^[0-9a-f]{64}$/);
const keyCounts = z.record(z.string().regex(/^\d+$/), z.number().int().nonnegative());

export const setObjectSchema = z.object({
  /** Relative to the set's directory: `rdb.zst.enc`, `aof/appendonly.aof.1.base.rdb.zst`, ... */
  key: z.string().min(1),
  kind: z.enum(OBJECT_KINDS),
  /** The file's name on the Redis host (`dump.rdb`, `appendonly.aof.1.incr.aof`, `redis.conf`). */
  name: z.string().min(1),
  plainBytes: z.number().int().nonnegative(),
  plainSha256: sha,
  storedBytes: z.number().int().nonnegative(),
  storedSha256: sha,
  compression: z.enum(['zstd', 'none']),
  encrypted: z.boolean(),
});

export type SetObject = z.infer<typeof setObjectSchema>;

export const encryptionHeaderSchema = z.object({
  algorithm: z.literal('aes-256-gcm'),
  segmentBytes: z.number().int().positive(),
  wrappedKey: z.string().min(1),
  keyId: z.string().regex(/^[0-9a-f]{16}$/),
});

export const setManifestSchema = z.object({
  format: z.literal(SET_MANIFEST_FORMAT),
  setId: z.string().min(1),
  instance: z.string().min(1),
  agentId: z.string().min(1),
  host: z.string(),
  redisVersion: z.string().nullable(),
  rdbVersion: z.number().int(),
  /** The RDB's CRC-64 trailer (16 hex digits). */
  rdbCrc64: z.string().regex(/^[0-9a-f]{16}$/),
  /** Keys per database in the RDB (RESIZEDB); `expires` likewise. */
  keys: keyCounts,
  expires: keyCounts,
  usedMem: z.number().int().nullable(),
  /** When Redis wrote the RDB (AUX ctime), ISO UTC. */
  snapshotAt: z.string().nullable(),
  /** When the upload started / the manifest was written. */
  startedAt: z.string(),
  createdAt: z.string(),
  /** Where the RDB came from: a fresh BGSAVE or the named local copy. */
  rdbSource: z.object({ kind: z.enum(['bgsave', 'local-copy']), copyId: z.string().nullable() }),
  /** The AOF as pinned: its manifest's file name and whether the server had appendonly on. */
  aof: z.object({ manifestName: z.string(), files: z.number().int().nonnegative() }).nullable(),
  encryption: encryptionHeaderSchema.nullable(),
  objects: z.array(setObjectSchema),
  producer: z.string(),
  checksum: sha,
});

export type SetManifest = z.infer<typeof setManifestSchema>;
export type SetManifestBody = Omit<SetManifest, 'checksum'>;

export function setManifestChecksum(body: SetManifestBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

/** The manifest with its checksum as the last field. */
export function sealSetManifest(body: SetManifestBody): SetManifest {
  const { checksum: _ignored, ...clean } = body as SetManifest;
  return { ...clean, checksum: setManifestChecksum(clean) };
}

export function serializeSetManifest(manifest: SetManifest): string {
  return JSON.stringify(manifest, null, 2) + '\n';
}

export type ParsedSetManifest = { ok: true; manifest: SetManifest } | { ok: false; reason: string };

/** Schema and own checksum; never throws. */
export function parseSetManifest(text: string): ParsedSetManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON (${(err as Error).message})` };
  }
  const parsed = setManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `invalid at ${first?.path.join('.') || '(root)'}: ${first?.message}` };
  }
  const { checksum, ...body } = parsed.data;
  if (setManifestChecksum(body) !== checksum) return { ok: false, reason: 'checksum mismatch (the manifest was modified or damaged)' };
  return { ok: true, manifest: parsed.data };
}

export function rdbObjectOf(manifest: SetManifest): SetObject {
  const rdb = manifest.objects.find((o) => o.kind === 'rdb');
  if (!rdb) throw new Error(`set ${manifest.setId} has no rdb object`);
  return rdb;
}

export function setBytes(manifest: SetManifest): { plain: number; stored: number } {
  return manifest.objects.reduce((acc, o) => ({ plain: acc.plain + o.plainBytes, stored: acc.stored + o.storedBytes }), { plain: 0, stored: 0 });
}

export function totalSetKeys(manifest: Pick<SetManifest, 'keys'>): number {
  return Object.values(manifest.keys).reduce((a, b) => a + b, 0);
}


export { newSetId } from '../storage/offsite-keys.js';
