import type { Logger } from '../../shared/log/logger.js';
import { listSets } from '../../shared/offsite/set-store.js';
import type { Catalog, SetLocation } from '../catalog/index.js';
import type { SessionRegistry } from '../fleet/session-registry.js';
import { listOwners, type OffsiteStore } from './offsite-store.js';
import type { SetManifest } from '../../shared/offsite/set-manifest.js';

export interface RebuildDeps {
  catalog: Catalog;
  store: OffsiteStore | null;
  prefix: string;
  sessions: SessionRegistry;
  locate(manifest: SetManifest): SetLocation;
  logger: Logger;
}

export interface RebuildOutcome {
  completeSets: number;
  incompleteSets: number;
  objects: number;
  problems: string[];
  agentsAsked: string[];
  dryRun: boolean;
}

/**
 * `redback catalog rebuild` after the SQLite file was lost (DESIGN.md "Sources of truth"):
 * 1. list the offsite target: every instance's sets; each complete set (a manifest or its copy
 *    loads) is recorded with every object and its checksums; incomplete ones are counted, never
 *    recorded (they are not restorable; prune removes them);
 * 2. ask every connected agent to resend its inventory: the local copies come back through the
 *    ordinary inventory path (agents that connect later send theirs on connect anyway).
 * With dryRun nothing is written and no agent is asked.
 */
export async function rebuildCatalog(deps: RebuildDeps, dryRun: boolean): Promise<RebuildOutcome> {
  const out: RebuildOutcome = { completeSets: 0, incompleteSets: 0, objects: 0, problems: [], agentsAsked: [], dryRun };
  if (deps.store) {
    for (const owner of await listOwners(deps.store, deps.prefix)) {
      const listing = await listSets(deps.store, owner);
      for (const set of listing.complete) {
        out.completeSets++;
        out.objects += set.manifest.objects.length;
        if (set.problem) out.problems.push(`${owner.agentId}/${owner.instance} set ${set.manifest.setId}: ${set.problem} (the copy was used)`);
        if (!dryRun) deps.catalog.offsite.record(set.manifest, deps.locate(set.manifest));
      }
      for (const set of listing.incomplete) {
        out.incompleteSets++;
        out.problems.push(`${owner.agentId}/${owner.instance} set ${set.setId} is incomplete (${set.reason}): not recorded`);
      }
    }
  } else {
    out.problems.push('no offsite target is configured: only the agents\' inventories are rebuilt');
  }
  for (const session of deps.sessions.all()) {
    out.agentsAsked.push(session.agentId);
    if (!dryRun) session.send({ resendInventory: {} });
  }
  deps.logger.info({ ...out, problems: out.problems.length }, dryRun ? 'catalog rebuild (dry run)' : 'catalog rebuilt from the offsite manifests; agents asked for their inventories');
  return out;
}
