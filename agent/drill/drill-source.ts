import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import type { DrillSourceKind } from '../../shared/drill/drill-result.js';
import { findSet } from '../../shared/offsite/set-store.js';
import type { AgentContext } from '../agent-context.js';
import { openOffsite, ownerFor } from '../offsite/offsite-session.js';
import { localCopySource, offsiteSetSource, type RestoreSource } from '../recovery/sources.js';

/**
 * The copy a drill restores: `backupId` when given, else the newest one — a local copy whose file
 * is present with its manifest's size (its bytes are verified while they are fetched), or the
 * newest complete offsite set of the instance (through the agent's offsite target).
 */
export async function pickDrillSource(ctx: AgentContext, instance: InstanceConfig, choice: { source: DrillSourceKind; backupId?: string }): Promise<RestoreSource> {
  if (choice.source === 'offsite') {
    const access = await openOffsite(ctx);
    const set = await findSet(access.target, ownerFor(ctx, access, instance.name), choice.backupId ? { setId: choice.backupId } : {});
    return offsiteSetSource(ctx, access, set.manifest);
  }
  if (choice.backupId) return localCopySource(ctx, await ctx.store.findCopy(instance.name, choice.backupId));
  const { copies } = await ctx.store.inventory(instance.name);
  const newest = copies
    .filter((c) => c.state === 'ok')
    .sort((a, b) => (b.manifest.snapshotAt ?? b.manifest.createdAt).localeCompare(a.manifest.snapshotAt ?? a.manifest.createdAt))[0];
  if (!newest) {
    throw new RedbackError('NOT_FOUND', `no local copy of ${instance.name} to drill`, {
      hint: `take one first (redback backup --instance ${instance.name} --wait), or drill an offsite set with --source offsite`,
    });
  }
  return localCopySource(ctx, newest);
}
