import type { AgentContext } from '../agent-context.js';
import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { discoverLayout } from '../redis/discover.js';
import { connectRedis } from '../redis/redis-client.js';
import { loadInstanceState, recordLastSeen, saveDiscoveredLayout, type LastSeen } from './instance-state.js';
import { observeInstance } from './observe.js';

export interface InstanceWatchOptions {
  /** Poll interval. Default 30 s. */
  intervalMs?: number;
  /** Only these instances (default: every instance of the config). */
  instances?: string[];
}

export type WatchResult = { instance: string; seen: LastSeen | null; error?: string };

/**
 * Remembers what each instance looks like while it runs, so recovery can tell later how much data
 * there was: every `intervalMs` it reads INFO (keyspace, persistence, replication) of every
 * instance and saves `lastSeen` in the instance state. A server that is loading is skipped (its
 * keyspace is incomplete); when the run id changed (a restart), the layout is discovered again.
 * A server that does not answer is left as last seen. Never throws; problems are logged.
 *
 *   const watch = new InstanceWatch(ctx, { intervalMs: 30_000 });
 *   watch.start();          // first poll at once
 *   await watch.stop();     // waits for a poll in progress
 */
export class InstanceWatch {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<unknown> | null = null;
  private stopped = true;
  private readonly intervalMs: number;

  constructor(
    private readonly ctx: AgentContext,
    private readonly options: InstanceWatchOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 30_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running?.catch(() => undefined);
  }

  /** Polls every instance once now. */
  async pollOnce(): Promise<WatchResult[]> {
    const wanted = this.options.instances ? new Set(this.options.instances) : null;
    const instances = this.ctx.config.instances.filter((i) => !wanted || wanted.has(i.name));
    const results: WatchResult[] = [];
    for (const instance of instances) results.push(await this.pollInstance(instance));
    return results;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.pollOnce().finally(() => {
        this.running = null;
        this.schedule(this.intervalMs);
      });
    }, delay);
    this.timer.unref();
  }

  private async pollInstance(instance: InstanceConfig): Promise<WatchResult> {
    try {
      const seen = await observeInstance(instance);
      if (!seen.up || seen.loading) return { instance: instance.name, seen: null, ...(seen.error ? { error: seen.error } : {}) };
      const state = await loadInstanceState(this.ctx, instance.name);
      if (seen.runId && state?.layout?.runId !== seen.runId) await this.rediscover(instance);
      const lastSeen: LastSeen = {
        at: this.ctx.clock.now().toISOString(),
        runId: seen.runId,
        keyspace: seen.keyspace,
        keys: seen.keys,
        aofEnabled: seen.aofEnabled === true,
        role: seen.role,
      };
      await recordLastSeen(this.ctx, instance.name, lastSeen);
      return { instance: instance.name, seen: lastSeen };
    } catch (err) {
      this.ctx.logger.warn({ instance: instance.name, err: (err as Error).message }, 'instance watch: poll failed');
      return { instance: instance.name, seen: null, error: (err as Error).message };
    }
  }

  private async rediscover(instance: InstanceConfig): Promise<void> {
    const redis = await connectRedis(instance, { connectTimeoutMs: 2000, commandTimeoutMs: 5000 });
    try {
      const layout = await discoverLayout(redis, instance);
      const reply = (await redis.call('CONFIG', 'GET', 'appendfilename').catch(() => [])) as string[];
      await saveDiscoveredLayout(this.ctx, instance, layout, { appendfilename: reply[1] ?? null });
    } finally {
      await redis.close();
    }
  }
}
