import { z } from 'zod';
import { cronSchema, durationSchema, timeZoneSchema } from './common-schemas.js';

/**
 * Restore drills run by the coordinator (`drills:` in its config). Each time `schedule` fires, every
 * instance in `instances` (`all`, or names / `agent/name`) gets a drill job on its agent: the newest
 * `source` copy restored into a scratch redis-server and checked. `window` is how long an instance
 * may go without a successful drill before the RedbackDrillOverdue alert fires (exported as
 * redback_drill_window_seconds).
 */
export const drillsSchema = z
  .object({
    /** Cron (5 fields, or 6 with seconds); null = drills only by hand (`redback drill`). */
    schedule: cronSchema.nullable().default(null),
    timezone: timeZoneSchema.optional(),
    instances: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).default('all'),
    source: z.enum(['local', 'offsite']).default('local'),
    window: durationSchema.default(8 * 24 * 3600_000),
    /** Job timeout of a scheduled drill (default: jobs.defaultTimeout). */
    timeout: durationSchema.optional(),
  })
  .strict();

export type DrillsConfig = z.infer<typeof drillsSchema>;
