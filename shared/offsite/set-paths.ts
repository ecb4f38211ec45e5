import { OffsiteKeys, parseSetId } from '../storage/offsite-keys.js';
import type { Compression } from './object-codec.js';
import type { ObjectKind } from './set-manifest.js';

/**
 * Set-scoped views of the offsite layout; every key comes from shared/storage/offsite-keys.ts
 * (`<prefix>/<agent-id>/<instance>/sets/<set-id>/...`). Keys inside a set's manifest are relative
 * to the set's prefix (`rdb.zst.enc`, `aof/appendonly.aof.1.base.rdb.zst`, `redis.conf.zst`).
 */
export interface SetOwner {
  /** `prefix` of the offsite config ('' for none). */
  prefix: string;
  agentId: string;
  instance: string;
}

function keysOf(owner: SetOwner): OffsiteKeys {
  return new OffsiteKeys(owner.prefix);
}

/** `<prefix>/<agent>/<instance>/sets/` (a list prefix). */
export function instanceSetsPrefix(owner: SetOwner): string {
  return keysOf(owner).setsPrefix(owner);
}

/** `<prefix>/<agent>/<instance>/sets/<set-id>/`. */
export function setPrefix(owner: SetOwner, setId: string): string {
  return keysOf(owner).setPrefix(owner, setId);
}

/** Full key of an object of a set from its manifest-relative key. */
export function setObjectKey(owner: SetOwner, setId: string, relativeKey: string): string {
  return setPrefix(owner, setId) + relativeKey;
}

export function setManifestKey(owner: SetOwner, setId: string): string {
  return keysOf(owner).manifestKey(owner, setId);
}

export function setManifestCopyKey(owner: SetOwner, setId: string): string {
  return keysOf(owner).manifestCopyKey(owner, setId);
}

/** The manifest-relative key of an object: `rdb.zst.enc`, `aof/<file>.zst`, `redis.conf.zst`, `users.acl.zst`. */
export function setObjectName(owner: SetOwner, setId: string, kind: ObjectKind, fileName: string, compression: Compression, encrypted: boolean): string {
  const keys = keysOf(owner);
  const encoding = { compressed: compression === 'zstd', encrypted };
  const full =
    kind === 'rdb'
      ? keys.rdbKey(owner, setId, encoding)
      : kind === 'aof' || kind === 'aof-manifest'
        ? keys.aofKey(owner, setId, fileName, encoding)
        : kind === 'config'
          ? keys.redisConfKey(owner, setId, encoding)
          : keys.aclKey(owner, setId, encoding);
  return full.slice(setPrefix(owner, setId).length);
}

/** The set id of a key of this owner's sets, or null for anything else. */
export function setIdOfKey(owner: SetOwner, key: string): string | null {
  const parsed = keysOf(owner).parseSetKey(key);
  return parsed && parsed.agentId === owner.agentId && parsed.instance === owner.instance ? parsed.setId : null;
}

/** When a set was started, from its id; null for ids of another shape. */
export function setStartOfId(setId: string): Date | null {
  return parseSetId(setId)?.createdAt ?? null;
}
