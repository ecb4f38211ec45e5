import type { Logger } from '../../shared/log/logger.js';
import { setManifestCopyKey, setManifestKey, setPrefix, type SetOwner } from '../../shared/offsite/set-paths.js';
import { listSets } from '../../shared/offsite/set-store.js';
import type { Catalog } from '../catalog/index.js';
import { listOwners, type OffsiteStore } from './offsite-store.js';
import { planOffsiteRetention, type RetentionDecision, type RetentionPolicy } from './retention-plan.js';

export interface PruneDeps {
  catalog: Catalog;
  store: OffsiteStore;
  prefix: string;
  policy: RetentionPolicy;
  incompleteAfterMs: number;
  logger: Logger;
}

export interface OwnedDecision extends RetentionDecision {
  agentId: string;
  instance: string;
}

export interface PruneOutcome {
  decisions: OwnedDecision[];
  deletedSets: number;
  deletedObjects: number;
  abortedUploads: number;
  dryRun: boolean;
}

/**
 * Offsite retention, run by the coordinator (`redback offsite prune`, and after each upload):
 * 1. list each instance's sets in the store (the truth, not the catalog): complete and incomplete;
 * 2. plan (retention-plan.ts): keep `days`, weekly/monthly keepers, always the newest complete set;
 * 3. for every set planned for deletion, stat its objects: one under Object Lock keeps the set;
 * 4. unless dry run: delete the manifest copies FIRST (the set stops being complete, so it is
 *    never seen half-deleted as restorable), then every other object; drop it from the catalog;
 * 5. abort multipart uploads older than `incompleteAfter` (stores that have them).
 */
export async function pruneOffsite(deps: PruneDeps, options: { dryRun: boolean; only?: { agentId?: string; instance?: string } }, now = new Date()): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { decisions: [], deletedSets: 0, deletedObjects: 0, abortedUploads: 0, dryRun: options.dryRun };
  const owners = (await listOwners(deps.store, deps.prefix)).filter(
    (o) => (!options.only?.agentId || o.agentId === options.only.agentId) && (!options.only?.instance || o.instance === options.only.instance),
  );
  for (const owner of owners) {
    const listing = await listSets(deps.store, owner);
    const facts = [
      ...listing.complete.map((s) => ({ setId: s.manifest.setId, createdAt: new Date(s.manifest.createdAt), complete: true, lockedUntil: null })),
      ...listing.incomplete.map((s) => ({ setId: s.setId, createdAt: s.startedAt, complete: false, lockedUntil: null })),
    ];
    const plan = planOffsiteRetention(facts, deps.policy, now, deps.incompleteAfterMs);
    for (const decision of plan) {
      if (decision.action === 'delete') {
        const keys = await setKeys(deps.store, owner, decision.setId);
        const lockedUntil = await newestLock(deps.store, keys, now);
        if (lockedUntil) {
          decision.action = 'keep';
          decision.reason = `${decision.reason}, but under Object Lock until ${lockedUntil.toISOString()}`;
        } else if (!options.dryRun) {
          outcome.deletedObjects += await deleteSet(deps.store, owner, decision.setId, keys);
          outcome.deletedSets++;
          deps.catalog.offsite.delete({ agentId: owner.agentId, instance: owner.instance, setId: decision.setId });
          deps.logger.info({ agent: owner.agentId, instance: owner.instance, set: decision.setId, reason: decision.reason }, 'offsite set deleted');
        }
      }
      outcome.decisions.push({ ...decision, agentId: owner.agentId, instance: owner.instance });
    }
  }
  if (!options.dryRun && deps.store.abortIncompleteUploads) {
    outcome.abortedUploads = await deps.store.abortIncompleteUploads(new Date(now.getTime() - deps.incompleteAfterMs));
  }
  return outcome;
}

async function setKeys(store: OffsiteStore, owner: SetOwner, setId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list(setPrefix(owner, setId))) keys.push(entry.key);
  return keys;
}

async function newestLock(store: OffsiteStore, keys: readonly string[], now: Date): Promise<Date | null> {
  let newest: Date | null = null;
  for (const key of keys) {
    const until = (await store.stat(key))?.lockedUntil ?? null;
    if (until && until.getTime() > now.getTime() && (!newest || until > newest)) newest = until;
  }
  return newest;
}

async function deleteSet(store: OffsiteStore, owner: SetOwner, setId: string, keys: readonly string[]): Promise<number> {
  const markers = [setManifestKey(owner, setId), setManifestCopyKey(owner, setId)];
  for (const key of markers) if (keys.includes(key)) await store.delete(key);
  const rest = keys.filter((k) => !markers.includes(k));
  for (const key of rest) await store.delete(key);
  return keys.length;
}
