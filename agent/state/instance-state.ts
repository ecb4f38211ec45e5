import { isPlainFileName } from '../../shared/fs/plain-name.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { ensureDir, writeFileAtomic } from '../../shared/fs/durable.js';
import type { AgentContext } from '../agent-context.js';
import type { InstanceLayout } from '../redis/discover.js';
import { dirname } from 'node:path';

/**
 * What the agent last saw of an instance, in `<backupDir>/<instance>/state.json`, written
 * atomically. It lets recovery work when Redis is down: where the data lives (the discovered
 * layout) and how much data there was (lastSeen), which is how a Redis that came back empty is
 * recognised.
 */

const keyspaceSchema = z.record(z.string(), z.object({ keys: z.number(), expires: z.number() }));

const savedLayoutSchema = z.object({
  dir: z.string(),
  dbfilename: z.string(),
  appenddirname: z.string(),
  appendfilename: z.string(),
  configFile: z.string().nullable(),
  host: z.string(),
  port: z.number(),
  redisVersion: z.string().nullable(),
  runId: z.string().nullable(),
  role: z.string().nullable(),
  appendonly: z.boolean().nullable(),
  discoveredAt: z.string(),
});

const lastSeenSchema = z.object({
  at: z.string(),
  runId: z.string().nullable(),
  keyspace: keyspaceSchema,
  /** Sum of keys over all databases. */
  keys: z.number(),
  aofEnabled: z.boolean(),
  role: z.string().nullable(),
});

const instanceStateSchema = z.object({
  format: z.literal('redback.instance-state/v1'),
  instance: z.string(),
  updatedAt: z.string(),
  layout: savedLayoutSchema.nullable(),
  /** The latest observation (may be an empty dataset). */
  lastSeen: lastSeenSchema.nullable(),
  /** The latest observation that had keys: survives a restart that came back empty. */
  lastNonEmpty: lastSeenSchema.nullable(),
});

export type Keyspace = z.infer<typeof keyspaceSchema>;
export type SavedLayout = z.infer<typeof savedLayoutSchema>;
export type LastSeen = z.infer<typeof lastSeenSchema>;
export type InstanceState = z.infer<typeof instanceStateSchema>;

/** The saved state, or null when there is none (or it is unreadable: it is only a cache). */
export async function loadInstanceState(ctx: Pick<AgentContext, 'layout'>, instance: string): Promise<InstanceState | null> {
  let text: string;
  try {
    text = await readFile(ctx.layout.stateFile(instance), 'utf8');
  } catch {
    return null;
  }
  try {
    const parsed = instanceStateSchema.safeParse(JSON.parse(text));
    if (!parsed.success) return null;
    const layout = parsed.data.layout;
    // Saved names are data read from disk: a layout naming anything but plain files is ignored.
    if (layout && ![layout.dbfilename, layout.appenddirname, layout.appendfilename].every(isPlainFileName)) {
      return { ...parsed.data, layout: null };
    }
    return parsed.data;
  } catch {
    return null;
  }
}

// Read-modify-write of one state file at a time within this process (watcher and commands).
const queues = new Map<string, Promise<unknown>>();

async function updateState(ctx: Pick<AgentContext, 'layout'>, instance: string, change: (state: InstanceState) => void): Promise<InstanceState> {
  const path = ctx.layout.stateFile(instance);
  const previous = queues.get(path) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    const state: InstanceState = (await loadInstanceState(ctx, instance)) ?? {
      format: 'redback.instance-state/v1',
      instance,
      updatedAt: new Date().toISOString(),
      layout: null,
      lastSeen: null,
      lastNonEmpty: null,
    };
    change(state);
    state.updatedAt = new Date().toISOString();
    await ensureDir(dirname(path));
    await writeFileAtomic(path, JSON.stringify(state, null, 2) + '\n');
    return state;
  });
  queues.set(path, next);
  try {
    return await next;
  } finally {
    if (queues.get(path) === next) queues.delete(path);
  }
}

/** Host and port of an instance, from its URL (default port 6379). */
export function endpointOf(instance: Pick<InstanceConfig, 'url'>): { host: string; port: number } {
  try {
    const url = new URL(instance.url);
    return { host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1', port: url.port ? Number(url.port) : 6379 };
  } catch {
    return { host: '127.0.0.1', port: 6379 };
  }
}

export interface LayoutExtras {
  appendfilename?: string | null;
}

/** Saves what discovery found (merged with what was saved before). */
export async function saveDiscoveredLayout(
  ctx: Pick<AgentContext, 'layout' | 'clock'>,
  instance: InstanceConfig,
  layout: InstanceLayout,
  extras: LayoutExtras = {},
): Promise<InstanceState> {
  const { host, port } = endpointOf(instance);
  return updateState(ctx, instance.name, (state) => {
    state.layout = {
      dir: layout.dir,
      dbfilename: layout.dbfilename,
      appenddirname: layout.appenddirname,
      appendfilename: extras.appendfilename ?? state.layout?.appendfilename ?? 'appendonly.aof',
      configFile: layout.configFile ?? state.layout?.configFile ?? null,
      host,
      port: layout.port ?? port,
      redisVersion: layout.redisVersion === 'unknown' ? (state.layout?.redisVersion ?? null) : layout.redisVersion,
      runId: layout.runId || null,
      role: layout.role === 'unknown' ? (state.layout?.role ?? null) : layout.role,
      appendonly: layout.appendonly,
      discoveredAt: ctx.clock.now().toISOString(),
    };
  });
}

/**
 * For snapshot callers: remembers the discovered layout, never failing the caller (the state is a
 * cache; a failure is logged).
 */
export async function rememberDiscoveredLayout(ctx: AgentContext, instance: InstanceConfig, layout: InstanceLayout, extras: LayoutExtras = {}): Promise<void> {
  try {
    await saveDiscoveredLayout(ctx, instance, layout, extras);
  } catch (err) {
    ctx.logger.warn({ instance: instance.name, err: (err as Error).message }, 'could not save instance state');
  }
}

/** Records an observation; `lastNonEmpty` moves only when the dataset has keys. */
export async function recordLastSeen(ctx: Pick<AgentContext, 'layout'>, instance: string, seen: LastSeen): Promise<InstanceState> {
  return updateState(ctx, instance, (state) => {
    state.lastSeen = seen;
    if (seen.keys > 0) state.lastNonEmpty = seen;
  });
}

export function totalOf(keyspace: Keyspace): number {
  return Object.values(keyspace).reduce((sum, db) => sum + db.keys, 0);
}
