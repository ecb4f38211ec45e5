import { isAbsolute } from 'node:path';
import { z } from 'zod';
import { keyProblem } from '../storage/storage-target.js';
import { cronSchema, durationSchema } from './common-schemas.js';

/**
 * The `offsite:` block: where nightly sets go and how they are written. Shared by the coordinator
 * config (which owns the target and hands it to agents) and the agent config (which caches it for
 * restores without the coordinator). `openOffsiteTarget` (shared/storage/open-target.ts) turns it
 * into a StorageTarget. Secrets (`secretAccessKey`, `sessionToken`) are usually `${ENV}` references
 * and never reach logs.
 */

const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1000,
  kb: 1000,
  kib: 1024,
  m: 1000 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1000 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
};

/** Bytes per second: a number, or `50MiB/s`, `20MB/s`, `800KiB` (`/s` optional). */
export const bandwidthSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  if (typeof value === 'number') {
    if (value > 0 && Number.isFinite(value)) return Math.floor(value);
    ctx.addIssue({ code: 'custom', message: 'bandwidth must be a positive number of bytes per second' });
    return z.NEVER;
  }
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*(?:\/\s*s)?\s*$/i.exec(value);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined || Number(m[1]) <= 0) {
    ctx.addIssue({ code: 'custom', message: `invalid bandwidth ${JSON.stringify(value)} (use e.g. 50MiB/s, 20MB/s or bytes per second)` });
    return z.NEVER;
  }
  return Math.floor(Number(m[1]) * unit);
});

export const checksumModeSchema = z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']);

export const offsiteSchema = z
  .object({
    /** `s3` (AWS or any S3-compatible store) or `local` (a directory: demo, NFS). */
    type: z.enum(['s3', 'local']).default('s3'),
    /** type local: the directory (absolute). */
    path: z.string().optional(),
    /** type s3: the bucket. */
    bucket: z.string().min(3).max(63).optional(),
    /** Every key starts with it (`redback/prod`); no leading or trailing slash needed. */
    prefix: z
      .string()
      .default('')
      .refine((p) => {
        const trimmed = p.replace(/^\/+|\/+$/g, '');
        return trimmed === '' || keyProblem(trimmed) === null;
      }, { message: 'prefix must be a relative key prefix (no //, . or .. segments)' }),
    /** S3-compatible stores: `https://minio.example.com:9000`; omitted for AWS. */
    endpoint: z.url().optional(),
    region: z.string().min(1).default('us-east-1'),
    /** Bucket in the path (MinIO, Ceph); AWS and R2 use virtual-hosted style. */
    forcePathStyle: z.boolean().default(false),
    /** Static credentials; omitted: the standard AWS chain (env, ~/.aws, web identity, instance role). */
    accessKeyId: z.string().min(1).optional(),
    secretAccessKey: z.string().min(1).optional(),
    sessionToken: z.string().min(1).optional(),
    /** `STANDARD`, `STANDARD_IA`, `INTELLIGENT_TIERING`, `GLACIER_IR`, ...; omitted: the bucket default. */
    storageClass: z.string().regex(/^[A-Z_]+$/, { message: 'storage class in capitals, e.g. STANDARD_IA' }).optional(),
    /** Server-side encryption; `aws:kms` may name a key with `kmsKeyId`. */
    sse: z.enum(['AES256', 'aws:kms']).optional(),
    kmsKeyId: z.string().min(1).optional(),
    /** `WHEN_SUPPORTED` for AWS; `WHEN_REQUIRED` for stores that reject the SDK's default checksums (R2, B2, some MinIO/Ceph). */
    checksumMode: checksumModeSchema.default('WHEN_SUPPORTED'),
    /** Object Lock retention on every object (the bucket must have Object Lock enabled). */
    objectLock: z
      .object({
        mode: z.enum(['GOVERNANCE', 'COMPLIANCE']),
        days: z.number().int().min(1).max(36500),
      })
      .strict()
      .optional(),
    /** Smallest multipart part, MiB (>= 5); grows with the object so 10 000 parts are never needed. */
    partSizeMiB: z.number().int().min(5).max(5120).default(8),
    /** Parts uploaded in parallel per object. */
    concurrency: z.number().int().min(1).max(64).default(4),
    /** Cap on upload and download bandwidth per process (`50MiB/s`); omitted: no cap. */
    bandwidthLimit: bandwidthSchema.optional(),
    /** Whole-operation retries of transient errors (network, 5xx, throttling), with backoff. */
    retries: z.number().int().min(0).max(20).default(4),
    compression: z
      .object({
        /** zstd on by default; `false` stores objects as they are. */
        enabled: z.boolean().default(true),
        /** zstd level 1 (fast) .. 19 (small). */
        level: z.number().int().min(1).max(19).default(3),
      })
      .strict()
      .default({ enabled: true, level: 3 }),
    /** Client-side encryption (AES-256-GCM, a data key per set wrapped by this key); omitted: off. */
    encryption: z
      .object({
        /** Name of the environment variable holding the key (base64 of 32 bytes). */
        keyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
        /** File holding the key (base64 of 32 bytes), readable only by redback. */
        keyFile: z.string().optional(),
      })
      .strict()
      .refine((e) => (e.keyEnv === undefined) !== (e.keyFile === undefined), { message: 'set exactly one of keyEnv or keyFile' })
      .optional(),
    /** A nightly set reuses the newest verified local RDB copy younger than this; older: a fresh BGSAVE. */
    rdbMaxAge: durationSchema.default(3_600_000),
    /** When the nightly upload runs (fleet-wide, staggered per instance). */
    schedule: cronSchema.default('0 2 * * *'),
    /** Spread the instances' nightly uploads over this long after `schedule` fires. */
    stagger: durationSchema.default(7_200_000),
    /** At most this many instances upload at the same time, fleet-wide. */
    maxConcurrentUploads: z.number().int().min(1).max(1000).default(4),
    retention: z
      .object({
        /** Keep every set younger than this. */
        keep: durationSchema.default(30 * 86_400_000),
        /** Also keep the newest set of each of the last N weeks. */
        weekly: z.number().int().min(0).default(0),
        /** Also keep the newest set of each of the last N months. */
        monthly: z.number().int().min(0).default(0),
        /** Abort multipart uploads left incomplete for longer than this. */
        abortIncompleteAfter: durationSchema.default(86_400_000),
      })
      .strict()
      .default({ keep: 30 * 86_400_000, weekly: 0, monthly: 0, abortIncompleteAfter: 86_400_000 }),
  })
  .strict()
  .superRefine(
    (o, ctx) => {
      // Runs even when fields failed (so every problem is reported at once): check types first.
      const problem = (path: string, message: string): void => void ctx.addIssue({ code: 'custom', path: [path], message });
      const has = (key: keyof typeof o): boolean => o[key] !== undefined;
      if (o.type === 'local') {
        if (!has('path')) problem('path', 'required when type is local');
        else if (typeof o.path === 'string' && !isAbsolute(o.path)) problem('path', 'must be an absolute path');
        for (const key of ['bucket', 'endpoint', 'accessKeyId', 'secretAccessKey', 'sessionToken', 'sse', 'kmsKeyId', 'objectLock', 'storageClass'] as const) {
          if (has(key)) problem(key, 'only for type s3');
        }
      } else if (o.type === 's3') {
        if (!has('bucket')) problem('bucket', 'required when type is s3');
        if (has('path')) problem('path', 'only for type local');
        if (has('accessKeyId') !== has('secretAccessKey')) {
          problem(has('accessKeyId') ? 'secretAccessKey' : 'accessKeyId', 'set accessKeyId and secretAccessKey together (or neither, for the AWS credential chain)');
        }
        if (has('sessionToken') && !has('accessKeyId')) problem('sessionToken', 'needs accessKeyId and secretAccessKey');
        if (has('kmsKeyId') && o.sse !== 'aws:kms') problem('kmsKeyId', 'only with sse: aws:kms');
        if (has('objectLock') && o.checksumMode === 'WHEN_REQUIRED' && !has('endpoint')) {
          problem('objectLock', 'AWS requires a checksum on Object Lock uploads: use checksumMode WHEN_SUPPORTED');
        }
      }
    },
    { when: (payload) => typeof payload.value === 'object' && payload.value !== null },
  );

/** The parsed `offsite:` block (defaults applied, durations in ms, bandwidth in bytes/s). */
export type OffsiteConfig = z.infer<typeof offsiteSchema>;
/** The block as written in YAML, before defaults. */
export type OffsiteConfigInput = z.input<typeof offsiteSchema>;
