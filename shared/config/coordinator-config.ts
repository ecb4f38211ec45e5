import { z } from 'zod';
import { addressSchema, cronSchema, durationSchema, timeZoneSchema } from './common-schemas.js';
import { loadYamlConfig } from './load-yaml-config.js';
import { EMPTY_POLICIES, policiesSchema } from '../policy/persistence-policy.js';
import { offsiteFleetSchema } from './offsite-fleet-schema.js';
import { drillsSchema } from './drill-schema.js';

const serverTlsSchema = z
  .object({
    cert: z.string(),
    key: z.string(),
    /** CA that signs agent/operator client certificates; with requireClientCert this is mutual TLS. */
    ca: z.string().optional(),
    requireClientCert: z.boolean().default(false),
  })
  .strict();

const retentionOverride = z
  .object({ hourly: durationSchema.optional(), daily: durationSchema.optional(), manual: durationSchema.nullable().optional() })
  .strict();

/** A fleet schedule: defaults for every instance, overridden per instance (by name or agent/name). */
const scheduleSchema = z
  .object({
    hourly: cronSchema.nullable().optional(),
    daily: cronSchema.nullable().optional(),
    timezone: timeZoneSchema.optional(),
    retention: retentionOverride.optional(),
  })
  .strict();

export type ScheduleSettings = z.infer<typeof scheduleSchema>;

export const coordinatorConfigSchema = z
  .object({
    listen: addressSchema,
    catalog: z.string().min(1),
    auth: z
      .object({
        /** Operators (the redback CLI) present this token. */
        adminToken: z.string().min(16, { message: 'adminToken must be at least 16 characters' }),
        /** Agents present this shared token, or their own from agentTokens. */
        agentToken: z.string().min(16, { message: 'agentToken must be at least 16 characters' }).optional(),
        /** Per-agent tokens: agentId -> token. An agent listed here must use its own token. */
        agentTokens: z.record(z.string(), z.string().min(16)).default({}),
      })
      .strict()
      .refine((a) => a.agentToken !== undefined || Object.keys(a.agentTokens).length > 0, {
        message: 'set agentToken or at least one entry in agentTokens',
      })
      .refine((a) => a.agentToken !== a.adminToken && !Object.values(a.agentTokens).includes(a.adminToken), {
        message: 'adminToken must differ from every agent token (an agent holding it could run the whole fleet)',
      }),
    tls: serverTlsSchema.optional(),
    /** Prometheus metrics; `null` turns the endpoint off. */
    metrics: z
      .object({ listen: addressSchema.default('127.0.0.1:9464') })
      .strict()
      .nullable()
      .default({ listen: '127.0.0.1:9464' }),
    heartbeat: z
      .object({
        interval: durationSchema.default(5000),
        /** An agent is stale after this many missed heartbeats, offline after offlineAfter. */
        staleAfterMissed: z.number().int().min(1).default(3),
        offlineAfter: durationSchema.default(60_000),
      })
      .strict()
      .default({ interval: 5000, staleAfterMissed: 3, offlineAfter: 60_000 }),
    schedules: z
      .object({
        defaults: scheduleSchema.default({}),
        /** Keyed by instance name, or `agentId/instance` for one host's instance. */
        instances: z.record(z.string(), scheduleSchema).default({}),
        /** At most this many forks (BGSAVE) start in the same minute across the fleet. */
        maxForksPerMinute: z.number().int().min(1).default(10),
      })
      .strict()
      .default({ defaults: {}, instances: {}, maxForksPerMinute: 10 }),
    /** Persistence policy (S1, S2): a fleet default, named groups, and which instance follows which. */
    policies: policiesSchema.default(EMPTY_POLICIES),
    jobs: z
      .object({ defaultTimeout: durationSchema.default(3600_000) })
      .strict()
      .default({ defaultTimeout: 3600_000 }),
    limits: z
      .object({
        /** Largest gRPC message accepted or sent, bytes. */
        maxMessageBytes: z.number().int().min(1024).default(4 * 1024 * 1024),
        /** Most local copies one agent may report; the rest of its inventory is refused. */
        maxCopiesPerAgent: z.number().int().min(1).default(10_000),
        /** How far in the future an agent's timestamps may be (its clock ahead of ours). */
        clockSkew: durationSchema.default(5 * 60_000),
      })
      .strict()
      .default({ maxMessageBytes: 4 * 1024 * 1024, maxCopiesPerAgent: 10_000, clockSkew: 5 * 60_000 }),
    status: z
      .object({
        /** An instance still loading its dataset after this long is a problem in `redback status`. */
        loadingTooLong: durationSchema.default(5 * 60_000),
      })
      .strict()
      .default({ loadingTooLong: 5 * 60_000 }),
    /** Offsite sets (S7): the target agents upload to, the nightly schedule, retention. Absent = off. */
    offsite: offsiteFleetSchema.optional(),
    /** Restore drills: schedule, which instances, the window the alert allows. Absent = by hand only. */
    drills: drillsSchema.optional(),
    log: z.object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') }).strict().default({ level: 'info' }),
  })
  .strict();

export type CoordinatorConfig = z.infer<typeof coordinatorConfigSchema>;

export function loadCoordinatorConfig(file: string, env: NodeJS.ProcessEnv = process.env): CoordinatorConfig {
  return loadYamlConfig(file, coordinatorConfigSchema, env);
}
