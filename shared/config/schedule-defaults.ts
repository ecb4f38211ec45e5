/**
 * The one definition of the default schedule and retention, used by the agent's config (an agent
 * without a coordinator) and by the coordinator's fleet schedule.
 */
const HOUR_MS = 3600_000;
const DAY_MS = 24 * HOUR_MS;

export const DEFAULT_HOURLY_CRON = '0 * * * *';
export const DEFAULT_DAILY_CRON = '5 0 * * *';
export const DEFAULT_TIMEZONE = 'UTC';

/** Milliseconds; `manual: null` keeps manual copies until they are deleted by hand. */
export const DEFAULT_RETENTION: Readonly<{ hourly: number; daily: number; manual: number | null }> = Object.freeze({
  hourly: 48 * HOUR_MS,
  daily: 30 * DAY_MS,
  manual: null,
});
