import { randomBytes } from 'node:crypto';
import { RedbackError } from '../errors/index.js';
import { compactTimestamp } from '../fs/durable.js';
import { keyProblem } from './storage-target.js';

/**
 * Every offsite key is built here and nowhere else (DESIGN.md "Offsite sets"):
 *
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/rdb[.zst][.enc]           the RDB
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/aof/<file>[.zst][.enc]    the AOF directory's files + its manifest
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/redis.conf[.zst][.enc]    the instance's redis.conf
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/users.acl[.zst][.enc]     its ACL file, when it has one
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/manifest.json             written last: the set exists only with it
 *   <prefix>/<agent-id>/<instance>/sets/<set-id>/manifest.copy.json        the same, written after it
 *   <prefix>/<agent-id>/<instance>/aof-archive/history.json                the archive's index (+ history.copy.json)
 *   <prefix>/<agent-id>/<instance>/aof-archive/<epoch>/base/<gen>-<file>[.zst][.enc]          a base file (+ `.json` record)
 *   <prefix>/<agent-id>/<instance>/aof-archive/<epoch>/incr/<file>/<seg>-<start>-<end>[.zst][.enc]   incr bytes (+ `<seg>.json`)
 *
 * (the archive's format: shared/offsite/archive-layout.ts)
 *
 * `prefix` (from the config) may be empty, then keys start at `<agent-id>/`. Agent ids and instance
 * names follow the agent config's rules (a letter or digit, then letters, digits, `.`, `_`, `-`);
 * set ids come from `newSetId` and sort by creation time. Parse functions validate every part and
 * return null for a key that is not in the layout, so listings can skip foreign objects.
 */

/** Identifies an instance fleet-wide: the `instance-key` of the layout. */
export interface InstanceRef {
  agentId: string;
  instance: string;
}

/** How an object's bytes are stored: decides its suffix. */
export interface ObjectEncoding {
  compressed: boolean;
  encrypted: boolean;
}

/** The kind of object in a set, from its key. */
export type SetObjectKind = 'rdb' | 'aof' | 'redis-conf' | 'acl' | 'manifest' | 'manifest-copy';

export interface ParsedSetKey extends InstanceRef {
  setId: string;
  /** The key relative to the set's prefix: `rdb.zst.enc`, `aof/appendonly.aof.1.base.rdb.zst`. */
  name: string;
  kind: SetObjectKind | null;
  /** For `aof`: the AOF file's own name (`appendonly.aof.manifest`). */
  aofFile?: string;
  /** For data objects (not manifests): the encoding their suffix says. */
  encoding?: ObjectEncoding;
}

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const INSTANCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** `20261124T031500Z-3fa9c1`. */
const SET_ID_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-([0-9a-f]{6})$/;
/** An AOF directory entry as Redis names them: no slash, not `.`/`..`, printable. */
const AOF_FILE_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

export const SETS_SEGMENT = 'sets';
export const AOF_ARCHIVE_SEGMENT = 'aof-archive';
export const MANIFEST_NAME = 'manifest.json';
export const MANIFEST_COPY_NAME = 'manifest.copy.json';
export const RDB_NAME = 'rdb';
export const REDIS_CONF_NAME = 'redis.conf';
export const ACL_NAME = 'users.acl';
export const AOF_DIR_NAME = 'aof';
export const COMPRESSED_SUFFIX = '.zst';
export const ENCRYPTED_SUFFIX = '.enc';

export const ARCHIVE_HISTORY_NAME = 'history.json';
export const ARCHIVE_HISTORY_COPY_NAME = 'history.copy.json';
export const ARCHIVE_RECORD_SUFFIX = '.json';
/** `E000001-20261204T150000Z`. */
export const ARCHIVE_EPOCH_PATTERN = /^E(\d{6})-(\d{8}T\d{6}Z)$/;

/** `n` zero-padded to `width` digits; throws for a negative, fractional or too large number. */
export function zeroPad(n: number, width: number): string {
  const s = String(n);
  if (!Number.isSafeInteger(n) || n < 0 || s.length > width) throw invalid('archive number', s, `a whole number of at most ${width} digits`);
  return s.padStart(width, '0');
}

/** A Redis AOF file name that can be part of an archive key (plain, not ending in `.json`). */
function archiveFileName(file: string): string {
  if (!AOF_FILE_PATTERN.test(file) || file.endsWith(ARCHIVE_RECORD_SUFFIX)) throw invalid('AOF file name', file, 'a plain file name');
  return file;
}

/** A new set id: `20261124T031500Z-3fa9c1` (UTC time, then 6 random hex digits); sorts by time. */
export function newSetId(date: Date): string {
  return `${compactTimestamp(date)}-${randomBytes(3).toString('hex')}`;
}

/** The creation time a set id carries, or null when `id` is not a set id. */
export function parseSetId(id: string): { createdAt: Date } | null {
  const m = SET_ID_PATTERN.exec(id);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m;
  const createdAt = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)));
  // Reject dates that do not round-trip (month 13, Feb 30).
  if (Number.isNaN(createdAt.getTime()) || compactTimestamp(createdAt) !== id.slice(0, 16)) return null;
  return { createdAt };
}

export function isSetId(id: string): boolean {
  return parseSetId(id) !== null;
}

export function isValidAgentId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function isValidInstanceName(name: string): boolean {
  return INSTANCE_PATTERN.test(name);
}

/** The suffix an object with `encoding` carries: `''`, `.zst`, `.enc`, `.zst.enc`. */
export function encodingSuffix(encoding: ObjectEncoding): string {
  return `${encoding.compressed ? COMPRESSED_SUFFIX : ''}${encoding.encrypted ? ENCRYPTED_SUFFIX : ''}`;
}

function splitEncoding(name: string): { base: string; encoding: ObjectEncoding } {
  let base = name;
  const encrypted = base.endsWith(ENCRYPTED_SUFFIX);
  if (encrypted) base = base.slice(0, -ENCRYPTED_SUFFIX.length);
  const compressed = base.endsWith(COMPRESSED_SUFFIX);
  if (compressed) base = base.slice(0, -COMPRESSED_SUFFIX.length);
  return { base, encoding: { compressed, encrypted } };
}

function invalid(what: string, value: string, rule: string): RedbackError {
  return new RedbackError('USAGE', `invalid ${what} ${JSON.stringify(value)} for an offsite key: ${rule}`);
}

/** Builds and parses the offsite keys under one configured prefix. */
export class OffsiteKeys {
  /** The prefix without leading or trailing slashes; `''` when keys start at the agent id. */
  readonly prefix: string;

  constructor(prefix = '') {
    const trimmed = prefix.replace(/^\/+|\/+$/g, '');
    if (trimmed !== '') {
      const problem = keyProblem(trimmed);
      if (problem) throw new RedbackError('CONFIG_INVALID', `invalid offsite prefix ${JSON.stringify(prefix)}: ${problem}`);
    }
    this.prefix = trimmed;
  }

  /** Where every key of this layout starts: `''` or `<prefix>/`; list it to find every instance. */
  root(): string {
    return this.prefix === '' ? '' : `${this.prefix}/`;
  }

  /** `<prefix>/<agent-id>/`: every instance of one agent. */
  agentPrefix(agentId: string): string {
    if (!isValidAgentId(agentId)) throw invalid('agent id', agentId, 'letters, digits, . _ - (starting with a letter or digit)');
    return `${this.root()}${agentId}/`;
  }

  /** `<prefix>/<agent-id>/<instance>/`. */
  instancePrefix(ref: InstanceRef): string {
    if (!isValidInstanceName(ref.instance)) {
      throw invalid('instance name', ref.instance, 'letters, digits, . _ - (starting with a letter or digit)');
    }
    return `${this.agentPrefix(ref.agentId)}${ref.instance}/`;
  }

  /** `<prefix>/<agent-id>/<instance>/sets/`: list it to find an instance's sets. */
  setsPrefix(ref: InstanceRef): string {
    return `${this.instancePrefix(ref)}${SETS_SEGMENT}/`;
  }

  /** `<prefix>/<agent-id>/<instance>/sets/<set-id>/`: every object of one set. */
  setPrefix(ref: InstanceRef, setId: string): string {
    if (!isSetId(setId)) throw invalid('set id', setId, 'expected YYYYMMDDTHHMMSSZ-xxxxxx (from newSetId)');
    return `${this.setsPrefix(ref)}${setId}/`;
  }

  rdbKey(ref: InstanceRef, setId: string, encoding: ObjectEncoding): string {
    return `${this.setPrefix(ref, setId)}${RDB_NAME}${encodingSuffix(encoding)}`;
  }

  /** One file of the AOF directory (`appendonly.aof.1.base.rdb`, `appendonly.aof.manifest`). */
  aofKey(ref: InstanceRef, setId: string, file: string, encoding: ObjectEncoding): string {
    if (!AOF_FILE_PATTERN.test(file)) throw invalid('AOF file name', file, 'a plain file name');
    return `${this.setPrefix(ref, setId)}${AOF_DIR_NAME}/${file}${encodingSuffix(encoding)}`;
  }

  redisConfKey(ref: InstanceRef, setId: string, encoding: ObjectEncoding): string {
    return `${this.setPrefix(ref, setId)}${REDIS_CONF_NAME}${encodingSuffix(encoding)}`;
  }

  aclKey(ref: InstanceRef, setId: string, encoding: ObjectEncoding): string {
    return `${this.setPrefix(ref, setId)}${ACL_NAME}${encodingSuffix(encoding)}`;
  }

  /** The commit marker: written last; a set without it is incomplete. */
  manifestKey(ref: InstanceRef, setId: string): string {
    return `${this.setPrefix(ref, setId)}${MANIFEST_NAME}`;
  }

  /** The manifest's copy, written after it; loaders fall back to it. */
  manifestCopyKey(ref: InstanceRef, setId: string): string {
    return `${this.setPrefix(ref, setId)}${MANIFEST_COPY_NAME}`;
  }

  /** `<prefix>/<agent-id>/<instance>/aof-archive/` (continuous AOF archive, archive-layout.ts). */
  aofArchivePrefix(ref: InstanceRef): string {
    return `${this.instancePrefix(ref)}${AOF_ARCHIVE_SEGMENT}/`;
  }

  /** `.../aof-archive/history.json`, or its copy. */
  archiveHistoryKey(ref: InstanceRef, copy = false): string {
    return `${this.aofArchivePrefix(ref)}${copy ? ARCHIVE_HISTORY_COPY_NAME : ARCHIVE_HISTORY_NAME}`;
  }

  /** `.../aof-archive/<epoch>/`. */
  archiveEpochPrefix(ref: InstanceRef, epoch: string): string {
    if (!ARCHIVE_EPOCH_PATTERN.test(epoch)) throw invalid('archive epoch', epoch, 'expected E<6 digits>-YYYYMMDDTHHMMSSZ');
    return `${this.aofArchivePrefix(ref)}${epoch}/`;
  }

  /** `.../aof-archive/<epoch>/base/<gen 10 digits>-<file>` + the encoding suffix, or `.json` for its record. */
  archiveBaseKey(ref: InstanceRef, epoch: string, gen: number, file: string, encoding: ObjectEncoding | 'record'): string {
    const suffix = encoding === 'record' ? ARCHIVE_RECORD_SUFFIX : encodingSuffix(encoding);
    return `${this.archiveEpochPrefix(ref, epoch)}base/${zeroPad(gen, 10)}-${archiveFileName(file)}${suffix}`;
  }

  /** `.../aof-archive/<epoch>/incr/<file>/`. */
  archiveIncrPrefix(ref: InstanceRef, epoch: string, file: string): string {
    return `${this.archiveEpochPrefix(ref, epoch)}incr/${archiveFileName(file)}/`;
  }

  /** `.../incr/<file>/<seg 8 digits>-<start 15 digits>-<end 15 digits>` + the encoding suffix. */
  archiveSegmentKey(ref: InstanceRef, epoch: string, file: string, segment: number, start: number, end: number, encoding: ObjectEncoding): string {
    if (!(end >= start)) throw invalid('segment range', `${start}-${end}`, 'end before start');
    return `${this.archiveIncrPrefix(ref, epoch, file)}${zeroPad(segment, 8)}-${zeroPad(start, 15)}-${zeroPad(end, 15)}${encodingSuffix(encoding)}`;
  }

  /** `.../incr/<file>/<seg 8 digits>.json`: the segment's record (found without its offsets). */
  archiveSegmentRecordKey(ref: InstanceRef, epoch: string, file: string, segment: number): string {
    return `${this.archiveIncrPrefix(ref, epoch, file)}${zeroPad(segment, 8)}${ARCHIVE_RECORD_SUFFIX}`;
  }

  /**
   * Parses a key inside a set (`<prefix>/<agent>/<instance>/sets/<set-id>/<name>`); null when the
   * key is outside this prefix, not in the layout, or has an invalid part. `kind` is null for a
   * name in a valid set that this version does not know (kept, never deleted by mistake).
   */
  parseSetKey(key: string): ParsedSetKey | null {
    const root = this.root();
    if (!key.startsWith(root)) return null;
    const parts = key.slice(root.length).split('/');
    if (parts.length < 5) return null;
    const [agentId, instance, sets, setId, ...rest] = parts as [string, string, string, string, ...string[]];
    if (!isValidAgentId(agentId) || !isValidInstanceName(instance) || sets !== SETS_SEGMENT || !isSetId(setId)) return null;
    const name = rest.join('/');
    if (name === '' || rest.some((p) => p === '')) return null;
    const parsed: ParsedSetKey = { agentId, instance, setId, name, kind: null };
    if (rest.length === 1 && name === MANIFEST_NAME) return { ...parsed, kind: 'manifest' };
    if (rest.length === 1 && name === MANIFEST_COPY_NAME) return { ...parsed, kind: 'manifest-copy' };
    if (rest.length === 2 && rest[0] === AOF_DIR_NAME) {
      const { base, encoding } = splitEncoding(rest[1]!);
      if (AOF_FILE_PATTERN.test(base)) return { ...parsed, kind: 'aof', aofFile: base, encoding };
      return parsed;
    }
    if (rest.length === 1) {
      const { base, encoding } = splitEncoding(name);
      if (base === RDB_NAME) return { ...parsed, kind: 'rdb', encoding };
      if (base === REDIS_CONF_NAME) return { ...parsed, kind: 'redis-conf', encoding };
      if (base === ACL_NAME) return { ...parsed, kind: 'acl', encoding };
    }
    return parsed;
  }
}
