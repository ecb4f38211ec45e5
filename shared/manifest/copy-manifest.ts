import { createHash } from 'node:crypto';
import { z } from 'zod';
import { RedbackError } from '../errors/index.js';

/** Local tiers. `manual` copies are taken on request and kept until their own retention says so. */
export const TIERS = ['hourly', 'daily', 'manual'] as const;
export type Tier = (typeof TIERS)[number];

/** A tier named by a user or a command; USAGE error naming the valid ones otherwise. */
export function parseTier(value: string): Tier {
  if ((TIERS as readonly string[]).includes(value)) return value as Tier;
  throw new RedbackError('USAGE', `unknown tier "${value}"`, { hint: `use one of: ${TIERS.join(', ')}` });
}

export const COPY_MANIFEST_FORMAT = 'redback.copy/v1';

const keyCounts = z.record(z.string().regex(/^\d+$/), z.number().int().nonnegative());

/**
 * The manifest written beside every local copy (`<id>.rdb` + `<id>.manifest.json`). It describes
 * the copy completely, so the backup directory is its own source of truth; the coordinator's
 * catalog is only an index over these. `checksum` is the SHA-256 of the manifest's canonical JSON
 * without the `checksum` field, so a damaged manifest is detected like a damaged copy.
 */
export const copyManifestSchema = z.object({
  format: z.literal(COPY_MANIFEST_FORMAT),
  id: z.string().min(1),
  instance: z.string().min(1),
  tier: z.enum(TIERS),
  /** Absolute path of the RDB file at the time the manifest was written. */
  path: z.string(),
  /** File name of the copy, relative to the manifest's directory. */
  file: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** The RDB's own CRC-64 trailer, 16 hex digits. */
  crc64: z.string().regex(/^[0-9a-f]{16}$/),
  rdbVersion: z.number().int(),
  redisVersion: z.string().nullable(),
  /** When redback finished the copy (ISO 8601, UTC). */
  createdAt: z.string(),
  /** When Redis wrote the snapshot (AUX ctime), ISO 8601 UTC, or null if absent. */
  snapshotAt: z.string().nullable(),
  usedMem: z.number().int().nullable(),
  aofBase: z.boolean(),
  /** Keys per database index at snapshot time (RESIZEDB); `expires` likewise. */
  keys: keyCounts,
  expires: keyCounts,
  /**
   * Hashes with field TTLs per database (RDB 12; absent when none): a Redis that drops expired
   * fields on load drops such a hash whole, so a restore may load up to this many fewer keys.
   */
  hashesWithFieldTtl: keyCounts.optional(),
  /** How the data was obtained: a fresh BGSAVE or the existing dump.rdb. */
  source: z.enum(['bgsave', 'existing', 'link', 'import']),
  /** For a daily copy made as a hard link: the id of the copy it shares bytes with. */
  linkedFrom: z.string().nullable(),
  /** Pinned copies are never deleted by retention. */
  pinned: z.boolean(),
  host: z.string(),
  /** Redis server the snapshot came from (run_id, address) for cross-checks. */
  redisRunId: z.string().nullable(),
  producer: z.string(),
  /**
   * For a copy received from another agent (`source: import`): where it came from. The bytes are
   * the original's (same id, size, SHA-256); the manifest was re-sealed for its place here.
   */
  origin: z
    .object({
      agentId: z.string(),
      host: z.string(),
      instance: z.string(),
      tier: z.enum(TIERS),
      path: z.string(),
      /** The original manifest's own checksum. */
      manifestChecksum: z.string(),
      transferId: z.string(),
      receivedAt: z.string(),
    })
    .optional(),
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
});

export type CopyManifest = z.infer<typeof copyManifestSchema>;
export type CopyManifestBody = Omit<CopyManifest, 'checksum'>;

/** JSON with keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as Record<string, unknown>).sort()) {
      out[key] = sortKeys((value as Record<string, unknown>)[key]);
    }
    return out;
  }
  return value;
}

export function manifestChecksum(body: CopyManifestBody): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}

export function sealManifest(body: CopyManifestBody): CopyManifest {
  return { ...body, checksum: manifestChecksum(body) };
}

export type ManifestProblem = { ok: false; reason: string } | { ok: true; manifest: CopyManifest };

/** Parses and checks a manifest's schema and own checksum. Never throws. */
export function parseManifest(text: string): ManifestProblem {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `manifest is not JSON (${(err as Error).message})` };
  }
  const parsed = copyManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { ok: false, reason: `manifest invalid at ${first?.path.join('.') || '(root)'}: ${first?.message}` };
  }
  const { checksum, ...body } = parsed.data;
  if (manifestChecksum(body) !== checksum) {
    return { ok: false, reason: 'manifest checksum mismatch (the manifest was modified or damaged)' };
  }
  return { ok: true, manifest: parsed.data };
}

/**
 * A copy id as the layout writes it (`20261124T031500Z-3fa9c1`; letters, digits, `_` and `-`,
 * never a dot or a slash), so a file name built from it can never leave its tier directory.
 */
export const COPY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** The one file name a copy's RDB may have: `<id>.rdb`. */
export function copyFileName(id: string): string {
  return `${id}.rdb`;
}

/** The one file name a copy's manifest may have: `<id>.manifest.json`. */
export function manifestFileName(id: string): string {
  return `${id}.manifest.json`;
}

/**
 * Why a manifest found at `<instance>/<tier>/<manifestFile>` does not belong where it is, or null.
 * Only a manifest whose id matches COPY_ID_PATTERN, whose `file` is exactly `<id>.rdb`, whose own
 * name is `<id>.manifest.json` and whose instance and tier are the directories it sits in is acted
 * on; anything else is a broken manifest (reported, never used to build a path).
 */
export function manifestPlacementProblem(
  manifest: Pick<CopyManifest, 'id' | 'file' | 'instance' | 'tier'>,
  where: { instance: string; tier: Tier; manifestFile: string },
): string | null {
  if (!COPY_ID_PATTERN.test(manifest.id)) return `manifest id ${JSON.stringify(manifest.id)} is not a copy id (letters, digits, _ and -)`;
  if (manifest.file !== copyFileName(manifest.id)) return `manifest names file ${JSON.stringify(manifest.file)}, not ${copyFileName(manifest.id)}`;
  if (where.manifestFile !== manifestFileName(manifest.id)) return `manifest of copy ${manifest.id} is stored as ${where.manifestFile}, not ${manifestFileName(manifest.id)}`;
  if (manifest.instance !== where.instance) return `manifest is for instance ${JSON.stringify(manifest.instance)} but lies in the directory of ${where.instance}`;
  if (manifest.tier !== where.tier) return `manifest is for tier ${manifest.tier} but lies in the ${where.tier} directory`;
  return null;
}

export function totalKeys(manifest: Pick<CopyManifest, 'keys'>): number {
  return Object.values(manifest.keys).reduce((a, b) => a + b, 0);
}
