import { basename } from 'node:path';
import { parseManifest } from '../../shared/manifest/copy-manifest.js';
import type { CopyInput, InstanceHealth } from '../catalog/index.js';
import type { AgentHello, CopyReport, HeartbeatReport } from './session-messages.js';

/**
 * What an agent may claim. Every inventory, copy event, heartbeat and Hello is checked here before
 * anything reaches the catalog; invalid entries are rejected (the caller logs them), never stored:
 * - copies: a manifest that parses and carries its own checksum, an id of the layout's form
 *   (`20261124T031500Z-3fa9c1`) whose file is exactly `<id>.rdb`, for an instance the agent
 *   announced in its Hello, with sane sizes and key counts and a creation time not in the future
 *   beyond the clock-skew allowance;
 * - heartbeats: only announced instances, non-negative sizes and counts, no timestamps from the
 *   future, bounded strings;
 * - names: the agent config's instance-name form, at most MAX_NAME_LENGTH characters.
 */

export interface ValidationSettings {
  /** How far ahead of the coordinator's clock an agent's timestamps may be, ms. */
  clockSkewMs: number;
}

/** The copy id form of agent/store/layout.ts newCopyId. */
export const COPY_ID_PATTERN = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;
/** Instance names as the agent config allows them. */
export const INSTANCE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
export const MAX_NAME_LENGTH = 63;
/** 1 PiB: no RDB copy is larger; anything above is a lie or an overflow. */
export const MAX_COPY_BYTES = 2 ** 50;
/** More keys than any Redis holds (2^40 ≈ 10^12). */
export const MAX_KEYS = 2 ** 40;
const MAX_STATUS_LENGTH = 32;
const MAX_ERROR_LENGTH = 500;

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const fail = (reason: string): { ok: false; reason: string } => ({ ok: false, reason });

export function checkInstanceName(name: string): string | null {
  if (name.length > MAX_NAME_LENGTH) return `instance name is ${name.length} characters (at most ${MAX_NAME_LENGTH})`;
  if (!INSTANCE_NAME_PATTERN.test(name)) return `instance name "${name.slice(0, 80)}" is not of the form letters, digits, . _ -`;
  return null;
}

/** A Hello: every instance name valid and listed once. */
export function checkHello(hello: AgentHello): string | null {
  const seen = new Set<string>();
  for (const i of hello.instances) {
    const problem = checkInstanceName(i.name);
    if (problem) return problem;
    if (seen.has(i.name)) return `instance ${i.name} is listed twice`;
    seen.add(i.name);
  }
  if (hello.hostname.length > 255) return 'hostname is longer than 255 characters';
  return null;
}

/** One reported copy → what the catalog may index. */
export function checkCopy(report: CopyReport, announced: ReadonlySet<string>, now: Date, s: ValidationSettings): Checked<CopyInput> {
  const nameProblem = checkInstanceName(report.instance);
  if (nameProblem) return fail(nameProblem);
  if (!announced.has(report.instance)) return fail(`instance ${report.instance} was not announced in this agent's hello`);
  const parsed = parseManifest(report.manifestJson);
  if (!parsed.ok) return fail(parsed.reason);
  const m = parsed.manifest;
  if (m.instance !== report.instance || m.id !== report.id) return fail(`the manifest is for ${m.instance}/${m.id}, not ${report.instance}/${report.id}`);
  if (!COPY_ID_PATTERN.test(m.id)) return fail(`copy id "${m.id.slice(0, 80)}" is not of the form 20261124T031500Z-3fa9c1`);
  const file = `${m.id}.rdb`;
  if (m.file !== file) return fail(`manifest file "${m.file.slice(0, 120)}" is not ${file}`);
  if (basename(m.path) !== file || m.path.includes('\0')) return fail(`manifest path "${m.path.slice(0, 200)}" does not end in ${file}`);
  if (m.bytes > MAX_COPY_BYTES) return fail(`size ${m.bytes} is not a plausible copy size`);
  for (const [db, n] of [...Object.entries(m.keys), ...Object.entries(m.expires)]) {
    if (n > MAX_KEYS || Number(db) > 1_000_000) return fail(`key count ${n} in db ${db} is not plausible`);
  }
  const created = Date.parse(m.createdAt);
  if (Number.isNaN(created)) return fail(`createdAt "${m.createdAt.slice(0, 40)}" is not a time`);
  if (created > now.getTime() + s.clockSkewMs) return fail(`createdAt ${m.createdAt} is in the future (beyond the ${Math.round(s.clockSkewMs / 1000)} s clock-skew allowance)`);
  return { ok: true, value: { manifest: m, path: m.path } };
}

export interface CheckedHeartbeat {
  heartbeat: HeartbeatReport | null;
  /** Why the whole heartbeat, or an instance of it, was rejected. */
  rejected: string[];
}

/** A heartbeat with only the instances that pass; null when the heartbeat as a whole is not believable. */
export function checkHeartbeat(hb: HeartbeatReport, announced: ReadonlySet<string>, now: Date, s: ValidationSettings): CheckedHeartbeat {
  const limit = now.getTime() + s.clockSkewMs;
  if (hb.sentAtMs > limit) return { heartbeat: null, rejected: [`sent at ${new Date(hb.sentAtMs).toISOString()}, in the future beyond the clock-skew allowance`] };
  if (!(hb.backupFreeBytes >= 0) || !(hb.backupTotalBytes >= 0) || hb.backupFreeBytes > hb.backupTotalBytes) {
    return { heartbeat: null, rejected: [`backup space free ${hb.backupFreeBytes} of ${hb.backupTotalBytes} bytes is not possible`] };
  }
  const rejected: string[] = [];
  const instances: InstanceHealth[] = [];
  for (const h of hb.instances) {
    const problem = checkInstanceHealth(h, announced, limit);
    if (problem) rejected.push(`${h.name.slice(0, 80)}: ${problem}`);
    else instances.push({ ...h, error: h.error ? h.error.slice(0, MAX_ERROR_LENGTH) : h.error ?? null });
  }
  return { heartbeat: { ...hb, instances }, rejected };
}

function checkInstanceHealth(h: InstanceHealth, announced: ReadonlySet<string>, limitMs: number): string | null {
  const nameProblem = checkInstanceName(h.name);
  if (nameProblem) return nameProblem;
  if (!announced.has(h.name)) return 'not announced in this agent\'s hello';
  for (const [field, value] of [
    ['dbsize', h.dbsize],
    ['usedMemory', h.usedMemory],
    ['loadingSeconds', h.loadingSeconds],
    ['rdbLastSaveTime', h.rdbLastSaveTime],
  ] as const) {
    if (value == null) continue;
    if (!Number.isFinite(value) || value < 0) return `${field} ${value} is negative`;
  }
  if ((h.dbsize ?? 0) > MAX_KEYS) return `dbsize ${h.dbsize} is not plausible`;
  if (h.rdbLastSaveTime != null && h.rdbLastSaveTime * 1000 > limitMs) return `rdb_last_save_time ${h.rdbLastSaveTime} is in the future`;
  for (const [field, value] of [
    ['role', h.role],
    ['rdbLastBgsaveStatus', h.rdbLastBgsaveStatus],
    ['aofLastWriteStatus', h.aofLastWriteStatus],
    ['aofLastBgrewriteStatus', h.aofLastBgrewriteStatus],
  ] as const) {
    if (value != null && value.length > MAX_STATUS_LENGTH) return `${field} is longer than ${MAX_STATUS_LENGTH} characters`;
  }
  return null;
}
