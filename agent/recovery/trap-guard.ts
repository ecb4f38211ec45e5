import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import type { AgentContext } from '../agent-context.js';
import { findInstance } from '../agent-context.js';
import { detectAofTrap, type AofTrap } from '../aof/trap.js';
import { resolveInstanceFacts } from '../state/instance-facts.js';

/** The facts the trap check needs (a subset of InstanceFacts, also kept in runbook states). */
export interface TrapFacts {
  instance: string;
  appendonly: boolean | null;
  aofDir: string;
  rdbFile: string;
  appendfilename: string;
}

async function hasValidLocalCopies(ctx: AgentContext, instance: string): Promise<boolean> {
  const { copies } = await ctx.store.inventory(instance);
  return copies.some((c) => c.state === 'ok');
}

/**
 * The AOF trap (S12) for a start with `appendonly` (the config on disk, or an override): null when
 * starting is safe in that respect. An unknown appendonly setting is checked as `yes`.
 */
export async function trapFor(ctx: AgentContext, facts: TrapFacts, appendonly: boolean | null = facts.appendonly): Promise<AofTrap | null> {
  return detectAofTrap({
    appendonly: appendonly ?? true,
    aofDir: facts.aofDir,
    rdbFile: facts.rdbFile,
    hasLocalCopies: await hasValidLocalCopies(ctx, facts.instance),
    appendfilename: facts.appendfilename,
  });
}

/**
 * For the daemon (and anyone about to start Redis): does this instance's config on disk spring
 * the AOF trap if Redis started now? Works with Redis down (redis.conf + saved state). Returns
 * the trap (log `trap.message` loudly, with `trap.hint`) or null.
 */
export async function checkTrap(ctx: AgentContext, instance: InstanceConfig | string): Promise<AofTrap | null> {
  const config = typeof instance === 'string' ? findInstance(ctx.config, instance) : instance;
  const facts = await resolveInstanceFacts(ctx, config);
  return trapFor(ctx, facts);
}

/** The loud refusal every start performed by redback raises when the trap would spring. */
export function trapRefusal(instance: string, trap: AofTrap): RedbackError {
  return new RedbackError(
    'UNSAFE_REFUSED',
    `REFUSING TO START ${instance}: ${trap.message}. Starting it would destroy the last local data.`,
    {
      hint: `run "redback agent recover --instance ${instance}": it restores the newest RDB with appendonly off, then rebuilds the AOF (nothing was changed)`,
      details: { instance, reason: trap.reason, aofDir: trap.aofDir, rdbFile: trap.rdbFile, rdbBytes: trap.rdbBytes, orphanedAofFiles: trap.orphanedAofFiles },
    },
  );
}

/** Throws UNSAFE_REFUSED when a start with `appendonly` would spring the trap. */
export async function guardStart(ctx: AgentContext, facts: TrapFacts, appendonly: boolean | null = facts.appendonly): Promise<void> {
  const trap = await trapFor(ctx, facts, appendonly);
  if (trap) throw trapRefusal(facts.instance, trap);
}
