import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import { SET_MANIFEST_NAME, setObjectKey, type SetOwner } from '../../shared/offsite/set-paths.js';

/**
 * What the coordinator needs of the offsite target: read (list, verify, rebuild) and delete
 * (retention). Bytes of uploads never pass through the coordinator.
 */
export interface OffsiteStore extends OffsiteTarget {
  /** Object Lock retain-until date, when the store reports one. */
  stat(key: string): Promise<{ size: number; lockedUntil?: Date | null } | null>;
  /** Aborts multipart uploads started before `olderThan` (S3); absent on stores without them. */
  abortIncompleteUploads?(olderThan: Date): Promise<number>;
}

/** `<prefix>/<agent>/<instance>/sets/<set-id>/...` → the set's owner and id (null for other keys). */
export function parseSetKey(prefix: string, key: string): { owner: SetOwner; setId: string } | null {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const rest = base ? (key.startsWith(`${base}/`) ? key.slice(base.length + 1) : null) : key;
  if (rest === null) return null;
  const parts = rest.split('/');
  if (parts.length < 5 || parts[2] !== 'sets' || !parts[0] || !parts[1] || !parts[3]) return null;
  return { owner: { prefix, agentId: parts[0], instance: parts[1] }, setId: parts[3] };
}

/** Every instance (agent/instance) that has anything under the target's prefix. */
export async function listOwners(store: OffsiteStore, prefix: string): Promise<SetOwner[]> {
  const base = prefix.replace(/^\/+|\/+$/g, '');
  const owners = new Map<string, SetOwner>();
  for await (const entry of store.list(base ? `${base}/` : '')) {
    const parsed = parseSetKey(prefix, entry.key);
    if (parsed) owners.set(`${parsed.owner.agentId}/${parsed.owner.instance}`, parsed.owner);
  }
  return [...owners.values()].sort((a, b) => `${a.agentId}/${a.instance}`.localeCompare(`${b.agentId}/${b.instance}`));
}

export function manifestKeyOf(owner: SetOwner, setId: string): string {
  return setObjectKey(owner, setId, SET_MANIFEST_NAME);
}
