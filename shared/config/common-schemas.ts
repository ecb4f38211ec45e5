import { validate as validateCron } from 'node-cron';
import { z } from 'zod';
import { parseDuration } from '../time/clock.js';

/** A duration written like `48h`, `30d`, `90s`; parsed to milliseconds. */
export const durationSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  if (typeof value === 'number') return value * 1000; // bare numbers are seconds
  try {
    return parseDuration(value);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

export const timeZoneSchema = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'unknown time zone (use an IANA name such as UTC or Europe/Berlin)' },
);

/**
 * Cron as crontab(5) reads it (minute hour day-of-month month day-of-week), or with a leading
 * seconds field (six fields), as node-cron accepts.
 */
export const cronSchema = z.string().refine((s) => validateCron(s.trim()), {
  message: 'invalid cron expression (5 fields: minute hour day month weekday; or 6 with seconds first)',
});

export const tlsFilesSchema = z
  .object({
    ca: z.string().optional(),
    cert: z.string().optional(),
    key: z.string().optional(),
    servername: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict();

export type TlsFiles = z.infer<typeof tlsFilesSchema>;

/** `host:port`, `[v6]:port`. */
export const addressSchema = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/, {
  message: 'address must be HOST:PORT',
});
