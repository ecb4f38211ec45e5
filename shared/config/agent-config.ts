import { z } from 'zod';
import { addressSchema, cronSchema, durationSchema, timeZoneSchema, tlsFilesSchema } from './common-schemas.js';
import { loadYamlConfig, type ExtraCheck } from './load-yaml-config.js';
import { DEFAULT_DAILY_CRON, DEFAULT_HOURLY_CRON, DEFAULT_RETENTION } from './schedule-defaults.js';
import { offsiteSchema } from './offsite-schema.js';

const retentionSchema = z
  .object({
    hourly: durationSchema.default(DEFAULT_RETENTION.hourly),
    daily: durationSchema.default(DEFAULT_RETENTION.daily),
    /** `null` (the default) keeps manual copies until they are deleted by hand. */
    manual: durationSchema.nullable().default(DEFAULT_RETENTION.manual),
  })
  .strict();

const partialRetentionSchema = z
  .object({ hourly: durationSchema.optional(), daily: durationSchema.optional(), manual: durationSchema.nullable().optional() })
  .strict();

const schedulesSchema = z
  .object({
    hourly: cronSchema.nullable().default(DEFAULT_HOURLY_CRON),
    daily: cronSchema.nullable().default(DEFAULT_DAILY_CRON),
  })
  .strict();

const partialSchedulesSchema = z
  .object({ hourly: cronSchema.nullable().optional(), daily: cronSchema.nullable().optional() })
  .strict();

const snapshotSchema = z
  .object({
    /** `bgsave` forks a fresh snapshot; `existing` copies dump.rdb when it is younger than maxAge. */
    mode: z.enum(['bgsave', 'existing']).default('bgsave'),
    maxAge: durationSchema.default(15 * 60_000),
    bgsaveTimeout: durationSchema.default(30 * 60_000),
    pollInterval: durationSchema.default(200),
    /** Copies written with `rdbchecksum no` cannot be verified; refuse them unless this is true. */
    allowUnchecksummed: z.boolean().default(false),
  })
  .strict();

export const controlSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('systemd'), unit: z.string().min(1), systemctl: z.string().default('systemctl') }).strict(),
  z
    .object({
      type: z.literal('exec'),
      start: z.string().min(1),
      stop: z.string().min(1),
      /** Optional: exits 0 when Redis runs. Without it, redback asks Redis (PING). */
      status: z.string().optional(),
    })
    .strict(),
  z
    .object({
      type: z.literal('process'),
      /** The redis-server binary the agent starts with the instance's configFile. */
      binary: z.string().default('redis-server'),
    })
    .strict(),
]);

export type ControlConfig = z.infer<typeof controlSchema>;

const instanceSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
      message: 'instance names use letters, digits, dot, dash, underscore (max 63)',
    }),
    /** redis://[user:password@]host:port[/db] or rediss:// for TLS. */
    url: z.string().regex(/^rediss?:\/\//, { message: 'url must start with redis:// or rediss://' }),
    tls: tlsFilesSchema.optional(),
    /** Override what is normally discovered with CONFIG GET / INFO server. */
    dir: z.string().optional(),
    dbfilename: z.string().optional(),
    appenddirname: z.string().optional(),
    configFile: z.string().optional(),
    control: controlSchema.optional(),
    schedules: partialSchedulesSchema.optional(),
    retention: partialRetentionSchema.optional(),
    timezone: timeZoneSchema.optional(),
  })
  .strict();

export type InstanceConfig = z.infer<typeof instanceSchema>;

export const agentConfigSchema = z
  .object({
    /** Stable identity reported to the coordinator; defaults to the host name. */
    agentId: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/).optional(),
    backupDir: z.string().min(1),
    timezone: timeZoneSchema.default('UTC'),
    schedules: schedulesSchema.default({ hourly: DEFAULT_HOURLY_CRON, daily: DEFAULT_DAILY_CRON }),
    retention: retentionSchema.default({ ...DEFAULT_RETENTION }),
    snapshot: snapshotSchema.default({
      mode: 'bgsave',
      maxAge: 15 * 60_000,
      bgsaveTimeout: 30 * 60_000,
      pollInterval: 200,
      allowUnchecksummed: false,
    }),
    log: z.object({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info') }).strict().default({ level: 'info' }),
    coordinator: z
      .object({
        address: addressSchema,
        token: z.string().min(1),
        tls: tlsFilesSchema.optional(),
        /** Reconnect backoff: exponential from 500 ms with full jitter, capped here. */
        reconnectMaxDelay: durationSchema.default(30_000),
      })
      .strict()
      .optional(),
    /** Where nightly offsite sets go (S7); the coordinator may hand one over instead. */
    offsite: offsiteSchema.optional(),
    instances: z.array(instanceSchema).min(1, { message: 'list at least one instance' }),
  })
  .strict();

/** Instance names must be unique (reported with the other problems, on the raw document). */
export const uniqueInstanceNames: ExtraCheck = (raw) => {
  const instances = (raw as { instances?: unknown } | null)?.instances;
  if (!Array.isArray(instances)) return [];
  const seen = new Set<string>();
  const problems = [];
  for (const [i, inst] of instances.entries()) {
    const name = (inst as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') continue;
    if (seen.has(name)) problems.push({ path: `instances.${i}.name`, message: `duplicate instance name "${name}"` });
    seen.add(name);
  }
  return problems;
};

export type AgentConfig = z.infer<typeof agentConfigSchema>;

export function loadAgentConfig(file: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  return loadYamlConfig(file, agentConfigSchema, env, uniqueInstanceNames);
}
