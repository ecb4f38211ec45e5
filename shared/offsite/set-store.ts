import { Readable } from 'node:stream';
import { RedbackError } from '../errors/index.js';
import type { OffsiteTarget } from './offsite-target.js';
import { readSmallText } from './read-small.js';
import { parseSetManifest, serializeSetManifest, type SetManifest } from './set-manifest.js';
import { instanceSetsPrefix, setIdOfKey, setManifestCopyKey, setManifestKey, setPrefix, setStartOfId, type SetOwner } from './set-paths.js';
import { MANIFEST_COPY_NAME, MANIFEST_NAME } from '../storage/offsite-keys.js';

/** A set whose manifest loaded (from the first file or, when that is damaged, from the copy). */
export interface CompleteSet {
  manifest: SetManifest;
  loadedFrom: 'manifest' | 'copy';
  /** Why the first manifest file was not used (when loadedFrom is 'copy'). */
  problem: string | null;
}

/** Objects under a set id without a manifest that loads: never restorable, removed by cleanup. */
export interface IncompleteSet {
  setId: string;
  startedAt: Date | null;
  objects: number;
  bytes: number;
  reason: string;
}

export interface SetListing {
  /** Newest first. */
  complete: CompleteSet[];
  incomplete: IncompleteSet[];
}

/**
 * The manifest of one set: `manifest.json`, or `manifest.copy.json` when the first is missing or
 * damaged (pgBackRest's info/info.copy). Null when neither loads (the set is incomplete).
 */
export async function loadSetManifest(target: OffsiteTarget, owner: SetOwner, setId: string): Promise<CompleteSet | { manifest: null; problem: string }> {
  const problems: string[] = [];
  for (const [name, key, from] of [[MANIFEST_NAME, setManifestKey(owner, setId), 'manifest'], [MANIFEST_COPY_NAME, setManifestCopyKey(owner, setId), 'copy']] as const) {
    const text = await readSmallText(target, key, 'set manifest');
    if (text === null) {
      problems.push(`${name} missing`);
      continue;
    }
    const parsed = parseSetManifest(text);
    if (!parsed.ok) {
      problems.push(`${name}: ${parsed.reason}`);
      continue;
    }
    const m = parsed.manifest;
    if (m.setId !== setId || m.instance !== owner.instance || m.agentId !== owner.agentId) {
      problems.push(`${name} describes set ${m.agentId}/${m.instance}/${m.setId}, not this one`);
      continue;
    }
    return { manifest: m, loadedFrom: from, problem: problems[0] ?? null };
  }
  return { manifest: null, problem: problems.join('; ') };
}

/** Writes the commit marker: `manifest.json`, then `manifest.copy.json`, each checked by stat. */
export async function writeSetManifest(target: OffsiteTarget, owner: SetOwner, manifest: SetManifest): Promise<void> {
  const body = Buffer.from(serializeSetManifest(manifest));
  for (const key of [setManifestKey(owner, manifest.setId), setManifestCopyKey(owner, manifest.setId)]) {
    await target.put(key, () => Readable.from([body]), { size: body.length, contentType: 'application/json' });
    const stat = await target.stat(key);
    if (!stat || stat.size !== body.length) {
      throw new RedbackError('OFFSITE_ERROR', `${key} was stored with ${stat?.size ?? 'no'} bytes, expected ${body.length}`, {
        hint: 'the offsite store did not keep what was sent; check it and upload again',
      });
    }
  }
}

/** Every set of an instance under the target: complete ones (newest first) and incomplete ones. */
export async function listSets(target: OffsiteTarget, owner: SetOwner): Promise<SetListing> {
  const bySet = new Map<string, { objects: number; bytes: number }>();
  for await (const entry of target.list(instanceSetsPrefix(owner))) {
    const id = setIdOfKey(owner, entry.key);
    if (!id) continue;
    const s = bySet.get(id) ?? { objects: 0, bytes: 0 };
    s.objects++;
    s.bytes += entry.size;
    bySet.set(id, s);
  }
  const complete: CompleteSet[] = [];
  const incomplete: IncompleteSet[] = [];
  for (const [setId, s] of bySet) {
    const loaded = await loadSetManifest(target, owner, setId);
    if (loaded.manifest) complete.push(loaded as CompleteSet);
    else incomplete.push({ setId, startedAt: setStartOfId(setId), objects: s.objects, bytes: s.bytes, reason: loaded.problem });
  }
  complete.sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt) || b.manifest.setId.localeCompare(a.manifest.setId));
  incomplete.sort((a, b) => b.setId.localeCompare(a.setId));
  return { complete, incomplete };
}

/** The set to restore: the one named, or the newest complete one (optionally created before a time). */
export async function findSet(target: OffsiteTarget, owner: SetOwner, choice: { setId?: string; before?: Date } = {}): Promise<CompleteSet> {
  if (choice.setId) {
    const loaded = await loadSetManifest(target, owner, choice.setId);
    if (!loaded.manifest) {
      throw new RedbackError('NOT_FOUND', `offsite set ${choice.setId} of ${owner.instance} is not complete: ${loaded.problem}`, {
        hint: `list the sets with: redback agent offsite-list --instance ${owner.instance}`,
      });
    }
    return loaded as CompleteSet;
  }
  const { complete } = await listSets(target, owner);
  const found = complete.find((s) => !choice.before || new Date(s.manifest.createdAt) < choice.before);
  if (!found) {
    throw new RedbackError('NOT_FOUND', `no complete offsite set of ${owner.instance}${choice.before ? ` created before ${choice.before.toISOString()}` : ''}`, {
      hint: `upload one with: redback agent upload --instance ${owner.instance}`,
    });
  }
  return found;
}

/**
 * Deletes incomplete sets (objects without a manifest that loads) that started before `before`
 * and are not in `keep` (the upload running now). A set with a damaged first manifest but a good
 * copy is complete and never touched. Returns what was (or, with dryRun, would be) removed.
 */
export async function cleanupIncompleteSets(
  target: OffsiteTarget,
  owner: SetOwner,
  options: { before: Date; keep?: ReadonlySet<string>; dryRun?: boolean },
): Promise<IncompleteSet[]> {
  const { incomplete } = await listSets(target, owner);
  const doomed = incomplete.filter((s) => !options.keep?.has(s.setId) && s.startedAt !== null && s.startedAt < options.before);
  if (options.dryRun) return doomed;
  for (const set of doomed) {
    const keys: string[] = [];
    for await (const entry of target.list(setPrefix(owner, set.setId))) keys.push(entry.key);
    for (const key of keys) await target.delete(key);
  }
  return doomed;
}
