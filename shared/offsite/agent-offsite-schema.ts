import { z } from 'zod';
import { durationSchema } from '../config/common-schemas.js';

/**
 * PLACEHOLDER until shared/config/offsite-schema.ts (branch t8-storage) lands: the agent's
 * `offsite:` block. Where sets go (`target`), under which `prefix`, zstd level, the operator key
 * for client-side encryption, and how old a local copy may be to be uploaded instead of a fresh
 * BGSAVE.
 */
export const agentOffsiteSchema = z
  .object({
    target: z.discriminatedUnion('type', [
      z.object({ type: z.literal('local'), path: z.string().min(1) }).strict(),
      z
        .object({
          type: z.literal('s3'),
          bucket: z.string().min(1),
          endpoint: z.string().url().optional(),
          region: z.string().optional(),
          forcePathStyle: z.boolean().optional(),
          credentials: z.object({ accessKeyId: z.string().min(1), secretAccessKey: z.string().min(1), sessionToken: z.string().optional() }).strict().optional(),
          storageClass: z.string().optional(),
          serverSideEncryption: z.enum(['AES256', 'aws:kms']).optional(),
          kmsKeyId: z.string().optional(),
          checksumMode: z.enum(['WHEN_SUPPORTED', 'WHEN_REQUIRED']).optional(),
          objectLock: z.object({ mode: z.enum(['GOVERNANCE', 'COMPLIANCE']), days: z.number().int().positive() }).strict().optional(),
          partSize: z.number().int().positive().optional(),
          queueSize: z.number().int().positive().optional(),
        })
        .strict(),
    ]),
    prefix: z.string().default(''),
    compression: z
      .object({ algorithm: z.enum(['zstd', 'none']).default('zstd'), level: z.number().int().min(-7).max(22).default(3) })
      .strict()
      .default({ algorithm: 'zstd', level: 3 }),
    encryption: z.object({ keyEnv: z.string().min(1).optional(), keyFile: z.string().min(1).optional() }).strict().optional(),
    /** A verified local copy younger than this is uploaded instead of a fresh BGSAVE. */
    rdbMaxAge: durationSchema.default(3600_000),
  })
  .strict();

export type AgentOffsiteConfig = z.infer<typeof agentOffsiteSchema>;

