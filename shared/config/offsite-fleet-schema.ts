import { z } from 'zod';
import { durationSchema, timeZoneSchema } from './common-schemas.js';
import { offsiteSchema, type OffsiteConfig } from './offsite-schema.js';

/**
 * The coordinator's `offsite:` block: the shared offsite schema (offsite-schema.ts: the target,
 * compression, encryption key reference, `schedule`, `stagger`, `maxConcurrentUploads`,
 * `retention`) plus the keys only the coordinator reads (below). The shared part, as the operator
 * wrote it, is what agents receive over their sessions; the coordinator-only keys never leave it.
 */
const coordinatorOnlySchema = z
  .object({
    /** Time zone of `schedule`. */
    timezone: timeZoneSchema.default('UTC'),
    /** An instance whose newest complete set is older than this gets one at the next opportunity; null = off. */
    catchUpAfter: durationSchema.nullable().default(26 * 3600_000),
    /** A failed upload is retried by catch-up no sooner than this. */
    retryAfter: durationSchema.default(3600_000),
    /** Timeout of one upload job. */
    uploadTimeout: durationSchema.default(6 * 3600_000),
    /** Apply retention to an instance's sets after each of its uploads succeeds. */
    pruneAfterUpload: z.boolean().default(true),
  })
  .strict();

const COORDINATOR_ONLY = new Set(Object.keys(coordinatorOnlySchema.shape));

export type OffsiteFleetConfig = OffsiteConfig &
  z.infer<typeof coordinatorOnlySchema> & {
    /** The shared part as written (env expanded): what agents receive and parse themselves. */
    agentPart: Record<string, unknown>;
  };

export const offsiteFleetSchema = z.unknown().transform((raw, ctx): OffsiteFleetConfig => {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    ctx.addIssue({ code: 'custom', message: 'offsite must be a mapping' });
    return z.NEVER;
  }
  const own: Record<string, unknown> = {};
  const shared: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) (COORDINATOR_ONLY.has(k) ? own : shared)[k] = v;
  const a = coordinatorOnlySchema.safeParse(own);
  const b = offsiteSchema.safeParse(shared);
  for (const issue of [...(a.success ? [] : a.error.issues), ...(b.success ? [] : b.error.issues)]) {
    ctx.addIssue({ code: 'custom', path: issue.path as Array<string | number>, message: issue.message });
  }
  if (!a.success || !b.success) return z.NEVER;
  return { ...b.data, ...a.data, agentPart: shared };
});
