import { z } from 'zod';
import { agentOffsiteSchema } from '../offsite/agent-offsite-schema.js';
import { cronSchema, durationSchema, timeZoneSchema } from './common-schemas.js';

/**
 * The coordinator's `offsite:` block. The keys below are the fleet's (schedule, caps, retention);
 * every other key is the storage target (type, bucket/path, endpoint, prefix, compression,
 * encryption key reference, S3 options), which the coordinator hands to the agents unchanged and
 * opens itself only to read (verify, list, rebuild) and delete (prune).
 */
export const offsiteFleetSchema = z
  .object({
    /** When the nightly round starts (cron, in `timezone`). */
    schedule: cronSchema.default('0 2 * * *'),
    timezone: timeZoneSchema.default('UTC'),
    /** Instances start at a stable offset inside this window after the cron fires. */
    stagger: durationSchema.default(2 * 3600_000),
    /** Uploads running at once in the fleet (and never more than one per agent host). */
    maxConcurrentUploads: z.number().int().min(1).default(4),
    /** An instance whose newest complete set is older than this gets one at the next opportunity; null = off. */
    catchUpAfter: durationSchema.nullable().default(26 * 3600_000),
    /** A failed upload is retried by catch-up no sooner than this. */
    retryAfter: durationSchema.default(3600_000),
    /** Timeout of one upload job. */
    uploadTimeout: durationSchema.default(6 * 3600_000),
    retention: z
      .object({
        days: z.number().int().min(1).default(30),
        weekly: z.number().int().min(0).default(0),
        monthly: z.number().int().min(0).default(0),
        /** Incomplete sets and multipart uploads older than this are removed. */
        incompleteAfter: durationSchema.default(24 * 3600_000),
        /** Prune an instance's sets after each of its uploads succeeds. */
        afterUpload: z.boolean().default(true),
      })
      .strict()
      .default({ days: 30, weekly: 0, monthly: 0, incompleteAfter: 24 * 3600_000, afterUpload: true }),
  })
  .passthrough()
  // The target part must be what agents accept: every problem is reported at config load.
  .superRefine((block, ctx) => {
    const parsed = agentOffsiteSchema.safeParse(offsiteTargetPart(block as Record<string, unknown>));
    if (parsed.success) return;
    for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', path: issue.path as Array<string | number>, message: issue.message });
  });

export type OffsiteFleetConfig = z.infer<typeof offsiteFleetSchema>;

const FLEET_KEYS = new Set(['schedule', 'timezone', 'stagger', 'maxConcurrentUploads', 'catchUpAfter', 'retryAfter', 'uploadTimeout', 'retention']);

/** The target part of the block: what agents receive (as written by the operator, env already expanded). */
export function offsiteTargetPart(block: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(block).filter(([k]) => !FLEET_KEYS.has(k)));
}
