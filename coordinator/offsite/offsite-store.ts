import type { StorageTarget } from '../../shared/storage/storage-target.js';
import { setManifestKey, type SetOwner } from '../../shared/offsite/set-paths.js';
import { OffsiteKeys } from '../../shared/storage/offsite-keys.js';

/**
 * What the coordinator needs of the offsite target: read (list, verify, rebuild) and delete
 * (retention). Bytes of uploads never pass through the coordinator.
 */
export type OffsiteStore = Pick<StorageTarget, 'put' | 'get' | 'stat' | 'list' | 'delete' | 'abortIncompleteUploads' | 'describe'>;

/** Every instance (agent/instance) that has a set under the target's prefix. */
export async function listOwners(store: OffsiteStore, prefix: string): Promise<SetOwner[]> {
  const keys = new OffsiteKeys(prefix);
  const owners = new Map<string, SetOwner>();
  for await (const entry of store.list(keys.root())) {
    const parsed = keys.parseSetKey(entry.key);
    if (parsed) owners.set(`${parsed.agentId}/${parsed.instance}`, { prefix, agentId: parsed.agentId, instance: parsed.instance });
  }
  return [...owners.values()].sort((a, b) => `${a.agentId}/${a.instance}`.localeCompare(`${b.agentId}/${b.instance}`));
}

export function manifestKeyOf(owner: SetOwner, setId: string): string {
  return setManifestKey(owner, setId);
}
