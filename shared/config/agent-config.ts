import { isPlainFileName } from '../fs/plain-name.js';
import { dirname, isAbsolute, resolve } from 'node:path';
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
    /**
     * A copy whose key count fell to 0, or by more than this share, against the last count the
     * agent saw is refused (an emptied instance must never win over its data); `--force` takes it.
     */
    maxKeyDrop: z.number().gt(0).max(1).default(0.9),
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
    dbfilename: z.string().refine(isPlainFileName, { message: 'dbfilename must be a plain file name (no "/", ".", "..")' }).optional(),
    appenddirname: z.string().refine(isPlainFileName, { message: 'appenddirname must be a plain directory name (no "/", ".", "..")' }).optional(),
    configFile: z.string().optional(),
    control: controlSchema.optional(),
    schedules: partialSchedulesSchema.optional(),
    retention: partialRetentionSchema.optional(),
    timezone: timeZoneSchema.optional(),
    /**
     * Continuous AOF archiving to the offsite target (agent/archive): `true`, or `{ interval }`
     * (how often new AOF bytes are shipped, default 10s). Needs appendonly yes and
     * aof-timestamp-enabled yes on the server. The coordinator's policy (`archive: true`) turns
     * it on too.
     */
    archive: z
      .union([z.boolean(), z.object({ enabled: z.boolean().default(true), interval: durationSchema.default(10_000) }).strict()])
      .optional(),
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
      maxKeyDrop: 0.9,
    }),
    /**
     * The backup directory's quarantine (redback's own rejected copies, never live data) is kept
     * under this many bytes: the oldest entries beyond it are removed.
     */
    quarantine: z.object({ maxBytes: z.number().int().nonnegative().default(5 * 1024 ** 3) }).strict().default({ maxBytes: 5 * 1024 ** 3 }),
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
  return resolveConfigPaths(loadYamlConfig(file, agentConfigSchema, env, uniqueInstanceNames), dirname(resolve(file)));
}

/**
 * Relative paths in an agent config are relative to the config file's directory, not to wherever
 * the command happens to run: backupDir, each instance's dir and configFile, TLS files, and a
 * process-control binary given as a path (a bare name is looked up on the PATH).
 */
export function resolveConfigPaths(config: AgentConfig, baseDir: string): AgentConfig {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(baseDir, p));
  const tls = <T extends { ca?: string | undefined; cert?: string | undefined; key?: string | undefined }>(t: T): T => ({
    ...t,
    ...(t.ca !== undefined ? { ca: abs(t.ca) } : {}),
    ...(t.cert !== undefined ? { cert: abs(t.cert) } : {}),
    ...(t.key !== undefined ? { key: abs(t.key) } : {}),
  });
  return {
    ...config,
    backupDir: abs(config.backupDir),
    ...(config.coordinator ? { coordinator: { ...config.coordinator, ...(config.coordinator.tls ? { tls: tls(config.coordinator.tls) } : {}) } } : {}),
    instances: config.instances.map((i) => ({
      ...i,
      ...(i.dir !== undefined ? { dir: abs(i.dir) } : {}),
      ...(i.configFile !== undefined ? { configFile: abs(i.configFile) } : {}),
      ...(i.tls ? { tls: tls(i.tls) } : {}),
      ...(i.control?.type === 'process' && i.control.binary.includes('/') ? { control: { ...i.control, binary: abs(i.control.binary) } } : {}),
    })),
  };
}
