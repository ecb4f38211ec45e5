import type { Compression } from './object-codec.js';
import type { ObjectKind } from './set-manifest.js';

/**
 * Every offsite key of a set is built here (DESIGN.md "Offsite sets"):
 *
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/rdb.zst[.enc]
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/aof/<file>.zst[.enc]
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/redis.conf.zst[.enc]   (+ users.acl.zst[.enc])
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/manifest.json          written last
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/manifest.copy.json     the same, after it
 *
 * Keys inside a set's manifest are relative to the set's directory.
 */
export interface SetOwner {
  /** `prefix` of the offsite config ('' for none). */
  prefix: string;
  agentId: string;
  instance: string;
}

export const SET_MANIFEST_NAME = 'manifest.json';
export const SET_MANIFEST_COPY_NAME = 'manifest.copy.json';

function join(...parts: string[]): string {
  return parts
    .filter((p) => p !== '')
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .join('/');
}

/** `<prefix>/<agent>/<instance>/sets/` (with the trailing slash: a list prefix). */
export function instanceSetsPrefix(owner: SetOwner): string {
  return `${join(owner.prefix, owner.agentId, owner.instance, 'sets')}/`;
}

/** `<prefix>/<agent>/<instance>/sets/<set-id>/`. */
export function setPrefix(owner: SetOwner, setId: string): string {
  return `${instanceSetsPrefix(owner)}${setId}/`;
}

/** Full key of an object of a set from its manifest-relative key. */
export function setObjectKey(owner: SetOwner, setId: string, relativeKey: string): string {
  return setPrefix(owner, setId) + relativeKey;
}

/** The manifest-relative key of an object: `rdb.zst.enc`, `aof/<file>.zst`, `redis.conf.zst`, `users.acl.zst`. */
export function setObjectName(kind: ObjectKind, fileName: string, compression: Compression, encrypted: boolean): string {
  const base = kind === 'rdb' ? 'rdb' : kind === 'aof' || kind === 'aof-manifest' ? `aof/${fileName}` : kind === 'config' ? 'redis.conf' : 'users.acl';
  return `${base}${compression === 'zstd' ? '.zst' : ''}${encrypted ? '.enc' : ''}`;
}

/** The set id of a key under instanceSetsPrefix, or null. */
export function setIdOfKey(owner: SetOwner, key: string): string | null {
  const base = instanceSetsPrefix(owner);
  if (!key.startsWith(base)) return null;
  const rest = key.slice(base.length);
  const slash = rest.indexOf('/');
  return slash > 0 ? rest.slice(0, slash) : null;
}

/** When a set was started, from its id (`20261124T031500Z-...`); null for ids of another shape. */
export function setStartOfId(setId: string): Date | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/.exec(setId);
  return m ? new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!)) : null;
}
