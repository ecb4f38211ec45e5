import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { totalKeys } from '../../shared/manifest/copy-manifest.js';
import { agentCommand, type AgentContext } from '../agent-context.js';
import { describeDrop, isCollapsed } from '../retention/key-drop.js';
import { loadInstanceState } from '../state/instance-state.js';

export interface KeyBaseline {
  keys: number;
  /** Where the count comes from, for the message: "copy X (hourly)" or "redis at <time>". */
  from: string;
}

/**
 * The last key count the agent saw for an instance: the newest copy of any tier (what was last
 * committed, including a forced one after a deliberate FLUSHALL), else the last non-empty count
 * the agent observed of the running Redis (state.json). Null when it never saw the instance.
 */
export async function lastKeyBaseline(ctx: AgentContext, instance: string): Promise<KeyBaseline | null> {
  const { copies } = await ctx.store.inventory(instance);
  const newest = copies
    .filter((c) => c.state === 'ok')
    .sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt) || b.manifest.id.localeCompare(a.manifest.id))[0];
  if (newest) return { keys: totalKeys(newest.manifest), from: `copy ${newest.manifest.id} (${newest.manifest.tier}, ${newest.manifest.createdAt})` };
  const state = await loadInstanceState(ctx, instance);
  const seen = state?.lastNonEmpty ?? state?.lastSeen ?? null;
  return seen ? { keys: seen.keys, from: `redis as last seen at ${seen.at}` } : null;
}

/**
 * Refuses a snapshot whose key count fell to 0 or by more than `snapshot.maxKeyDrop` against the
 * baseline (UNSAFE_REFUSED, exit 9), unless forced: an instance emptied by the AOF trap or a bad
 * restart must never produce the copy that retention then prefers. `stage` says what was counted
 * ("redis has" before BGSAVE, "the copy has" after the copy).
 */
export async function guardAgainstCollapse(
  ctx: AgentContext,
  instance: InstanceConfig,
  keys: number,
  options: { force?: boolean; stage: string },
): Promise<void> {
  const baseline = await lastKeyBaseline(ctx, instance.name);
  if (!baseline) return;
  const maxKeyDrop = ctx.config.snapshot.maxKeyDrop;
  if (!isCollapsed(keys, baseline.keys, maxKeyDrop)) return;
  if (options.force) {
    ctx.logger.warn({ instance: instance.name, keys, baseline: baseline.keys, from: baseline.from }, 'key count collapsed; snapshot forced');
    return;
  }
  throw new RedbackError(
    'UNSAFE_REFUSED',
    `snapshot of ${instance.name} refused: ${options.stage} ${keys} keys, the last count seen was ${baseline.keys} (${baseline.from}): ${describeDrop(keys, baseline.keys)}, more than snapshot.maxKeyDrop ${Math.round(maxKeyDrop * 100)} %`,
    {
      hint: `if Redis lost its data, run: ${agentCommand(ctx, 'recover', `--instance ${instance.name}`)}; if the drop is intended (FLUSHALL), take the copy with: ${agentCommand(ctx, 'snapshot', `--instance ${instance.name} --force`)}. No copy was kept and retention did not run`,
      details: { instance: instance.name, keys, lastKeys: baseline.keys, lastFrom: baseline.from, maxKeyDrop },
    },
  );
}
