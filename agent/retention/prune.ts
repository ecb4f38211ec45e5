import type { AgentConfig, InstanceConfig } from '../../shared/config/agent-config.js';
import type { AgentContext } from '../agent-context.js';
import { totalKeys } from '../../shared/manifest/copy-manifest.js';
import { withInstance } from '../store/instance-guard.js';
import type { BrokenEntry, LocalCopy } from '../store/local-store.js';
import { planRetention, type RetentionDecision, type RetentionPolicy } from './plan.js';

/**
 * The retention policy of one instance: the fleet schedule's when the coordinator sent one for it,
 * otherwise the instance's overrides on top of the agent config's defaults.
 */
export function retentionPolicyFor(ctx: Pick<AgentContext, 'config' | 'fleet'>, instance: InstanceConfig): RetentionPolicy {
  const fleet = ctx.fleet.get(instance.name);
  if (fleet) {
    return {
      hourly: { keepMs: fleet.retention.hourlyMs },
      daily: { keepMs: fleet.retention.dailyMs },
      manual: { keepMs: fleet.retention.manualMs },
      timeZone: fleet.timeZone,
    };
  }
  const config: AgentConfig = ctx.config;
  const r = { ...config.retention, ...stripUndefined(instance.retention ?? {}) };
  return {
    hourly: { keepMs: r.hourly ?? null },
    daily: { keepMs: r.daily ?? null },
    manual: { keepMs: r.manual ?? null },
    timeZone: instance.timezone ?? config.timezone,
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export interface PruneOutcome {
  instance: string;
  dryRun: boolean;
  decisions: Array<RetentionDecision & { path: string }>;
  deleted: string[];
  /** Manifests that are unreadable or name a file other than `<id>.rdb`: reported, never acted on. */
  broken: BrokenEntry[];
}

/**
 * Applies retention to one instance's local copies. Called right after every successful copy
 * (never before it) and by `redback agent prune`. A copy whose file is missing or has the wrong
 * size does not count as valid, so it never stands in for a good one.
 */
export async function pruneInstance(ctx: AgentContext, instance: InstanceConfig, dryRun: boolean): Promise<PruneOutcome> {
  // A dry run only reads; a real one holds the instance lock (re-entrant: a snapshot already has it).
  return dryRun ? planAndPrune(ctx, instance, true) : withInstance(ctx, instance.name, 'prune', () => planAndPrune(ctx, instance, false));
}

async function planAndPrune(ctx: AgentContext, instance: InstanceConfig, dryRun: boolean): Promise<PruneOutcome> {
  const { copies, broken } = await ctx.store.inventory(instance.name);
  const byId = new Map<string, LocalCopy>(copies.map((c) => [`${c.manifest.tier}/${c.manifest.id}`, c]));
  const decisions = planRetention(
    copies.map((c) => ({
      id: c.manifest.id,
      tier: c.manifest.tier,
      createdAt: new Date(c.manifest.createdAt),
      valid: c.state === 'ok',
      pinned: c.manifest.pinned,
      keys: totalKeys(c.manifest),
    })),
    { ...retentionPolicyFor(ctx, instance), maxKeyDrop: ctx.config.snapshot.maxKeyDrop },
    ctx.clock.now(),
  );
  const deleted: string[] = [];
  const withPaths = decisions.map((d) => ({ ...d, path: byId.get(`${d.tier}/${d.id}`)!.rdbFile }));
  if (!dryRun) {
    for (const decision of withPaths) {
      if (decision.action !== 'delete') continue;
      await ctx.store.deleteCopy(byId.get(`${decision.tier}/${decision.id}`)!);
      deleted.push(decision.id);
      ctx.logger.info({ instance: instance.name, copy: decision.id, tier: decision.tier, reason: decision.reason }, 'retention deleted copy');
    }
  }
  return { instance: instance.name, dryRun, decisions: withPaths, deleted, broken };
}
