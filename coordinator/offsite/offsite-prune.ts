import type { Logger } from '../../shared/log/logger.js';
import { setManifestCopyKey, setManifestKey, setPrefix, type SetOwner } from '../../shared/offsite/set-paths.js';
import { listSets } from '../../shared/offsite/set-store.js';
import type { Catalog } from '../catalog/index.js';
import { listOwners, type OffsiteStore } from './offsite-store.js';
import { isRedbackError } from '../../shared/errors/index.js';
import type { ObjectStat } from '../../shared/storage/storage-target.js';
import { planOffsiteRetention, type RetentionDecision, type RetentionPolicy, type SetFacts } from './retention-plan.js';

export interface PruneDeps {
  catalog: Catalog;
  store: OffsiteStore;
  prefix: string;
  policy: RetentionPolicy;
  incompleteAfterMs: number;
  logger: Logger;
  /**
   * The Object Lock retention redback puts on every object it uploads (the config's `objectLock`),
   * when configured: an object is then taken as locked until at least its upload time + `days`,
   * even when the store does not report the retention (HeadObject shows it only to callers allowed
   * s3:GetObjectRetention).
   */
  objectLock?: { days: number } | undefined;
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
  /** Why stale multipart uploads could not be aborted (a store without ListMultipartUploads), if so. */
  abortProblem?: string;
}

/**
 * Offsite retention, run by the coordinator (`redback offsite prune`, and after each upload):
 * 1. list each instance's sets in the store (the truth, not the catalog): complete and incomplete;
 * 2. plan (retention-plan.ts): keep `days`, weekly/monthly keepers, always the newest complete set;
 * 3. for every set planned for deletion, stat its objects (HeadObject): the retain-until date the
 *    store reports, or (Object Lock configured) upload time + the configured days, whichever is
 *    later, and any legal hold; then plan again with those facts, so the plan says why a locked
 *    set stays. A delete is never tried on an object whose retention has not expired;
 * 4. unless dry run: delete the manifest copies FIRST (the set stops being complete, so it is
 *    never seen half-deleted as restorable), then every other object; drop it from the catalog.
 *    A delete the store refuses anyway (a bucket default retention longer than redback's) keeps
 *    the set with the store's reason and does not stop the other sets;
 * 5. abort multipart uploads started before `incompleteAfter` (ListMultipartUploads +
 *    AbortMultipartUpload); a store without those APIs is reported (use a lifecycle rule).
 */
export async function pruneOffsite(deps: PruneDeps, options: { dryRun: boolean; only?: { agentId?: string; instance?: string } }, now = new Date()): Promise<PruneOutcome> {
  const outcome: PruneOutcome = { decisions: [], deletedSets: 0, deletedObjects: 0, abortedUploads: 0, dryRun: options.dryRun };
  const owners = (await listOwners(deps.store, deps.prefix)).filter(
    (o) => (!options.only?.agentId || o.agentId === options.only.agentId) && (!options.only?.instance || o.instance === options.only.instance),
  );
  for (const owner of owners) {
    const listing = await listSets(deps.store, owner);
    const facts: SetFacts[] = [
      ...listing.complete.map((s) => ({ setId: s.manifest.setId, createdAt: new Date(s.manifest.createdAt), complete: true, lockedUntil: null })),
      ...listing.incomplete.map((s) => ({ setId: s.setId, createdAt: s.startedAt, complete: false, lockedUntil: null })),
    ];
    let plan = planOffsiteRetention(facts, deps.policy, now, deps.incompleteAfterMs);
    const keysOf = new Map<string, string[]>();
    const candidates = plan.filter((d) => d.action === 'delete');
    for (const decision of candidates) {
      const keys = await setKeys(deps.store, owner, decision.setId);
      keysOf.set(decision.setId, keys);
      const lock = await lockOfSet(deps.store, keys, deps.objectLock);
      const fact = facts.find((f) => f.setId === decision.setId)!;
      fact.lockedUntil = lock.lockedUntil;
      fact.legalHold = lock.legalHold;
    }
    if (candidates.length > 0) plan = planOffsiteRetention(facts, deps.policy, now, deps.incompleteAfterMs);
    for (const decision of plan) {
      if (decision.action === 'delete' && !options.dryRun) {
        try {
          outcome.deletedObjects += await deleteSet(deps.store, owner, decision.setId, keysOf.get(decision.setId)!);
          outcome.deletedSets++;
          deps.catalog.offsite.delete({ agentId: owner.agentId, instance: owner.instance, setId: decision.setId });
          deps.logger.info({ agent: owner.agentId, instance: owner.instance, set: decision.setId, reason: decision.reason }, 'offsite set deleted');
        } catch (err) {
          if (!isRedbackError(err) || err.code !== 'OFFSITE_REFUSED') throw err;
          decision.action = 'keep';
          decision.reason = `${decision.reason}; the store refused the delete: ${err.message}`;
          deps.logger.warn({ agent: owner.agentId, instance: owner.instance, set: decision.setId, err: err.message }, 'offsite set delete refused by the store');
        }
      }
      outcome.decisions.push({ ...decision, agentId: owner.agentId, instance: owner.instance });
    }
  }
  if (!options.dryRun && deps.store.abortIncompleteUploads) {
    try {
      outcome.abortedUploads = await deps.store.abortIncompleteUploads(new Date(now.getTime() - deps.incompleteAfterMs));
    } catch (err) {
      if (!isRedbackError(err) || err.code !== 'OFFSITE_REFUSED') throw err;
      outcome.abortProblem = `${err.message}${err.hint ? `; ${err.hint}` : ''}`;
      deps.logger.warn({ err: err.message }, 'stale multipart uploads not aborted');
    }
  }
  return outcome;
}

/**
 * Until when an object cannot be deleted: the retain-until date the store reports, or, when
 * redback sets Object Lock on its uploads, the upload time + the configured days (the put set
 * retain-until = start of the put + days, so this is never earlier); the later of the two.
 */
export function objectLockUntil(stat: Pick<ObjectStat, 'modified' | 'lockedUntil'>, objectLock?: { days: number }): Date | null {
  const reported = stat.lockedUntil ?? null;
  const configured = objectLock ? new Date(stat.modified.getTime() + objectLock.days * 86_400_000) : null;
  if (!reported) return configured;
  if (!configured) return reported;
  return reported > configured ? reported : configured;
}

async function setKeys(store: OffsiteStore, owner: SetOwner, setId: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of store.list(setPrefix(owner, setId))) keys.push(entry.key);
  return keys;
}

/** The latest retain-until date among a set's objects, and whether any is under a legal hold. */
async function lockOfSet(store: OffsiteStore, keys: readonly string[], objectLock?: { days: number }): Promise<{ lockedUntil: Date | null; legalHold: boolean }> {
  let newest: Date | null = null;
  let legalHold = false;
  for (const key of keys) {
    const stat = await store.stat(key);
    if (!stat) continue;
    if (stat.legalHold) legalHold = true;
    const until = objectLockUntil(stat, objectLock);
    if (until && (!newest || until > newest)) newest = until;
  }
  return { lockedUntil: newest, legalHold };
}

async function deleteSet(store: OffsiteStore, owner: SetOwner, setId: string, keys: readonly string[]): Promise<number> {
  const markers = [setManifestKey(owner, setId), setManifestCopyKey(owner, setId)];
  for (const key of markers) if (keys.includes(key)) await store.delete(key);
  const rest = keys.filter((k) => !markers.includes(k));
  for (const key of rest) await store.delete(key);
  return keys.length;
}
