import { RedbackError } from '../../shared/errors/index.js';
import type { Catalog, InstanceRecord } from '../catalog/index.js';

/**
 * Where a restore can read a copy of an instance's data, as the catalog knows it:
 * - `local`: a local copy on the target's own host (the instance itself, or another instance of
 *   the same agent): the agent reads it from its backup directory;
 * - `agent`: a local copy on another host, streamed agent → coordinator → agent (the relay);
 * - `offsite`: an offsite set of the instance (any agent can read any set of the fleet's store);
 * - `archive`: the instance's continuous AOF archive at one second (id `pitr-<unix seconds>`),
 *   offered for `--before TIME` inside the recovery window (catalog), or `--before latest`.
 */
export type CandidateKind = 'local' | 'agent' | 'offsite' | 'archive';

export interface RestoreCandidate {
  kind: CandidateKind;
  /** Local copy id or offsite set id. */
  id: string;
  /** local / agent: the host (agent) the copy is on; offsite: the agent that made the set. */
  agentId: string;
  /** Whose data. */
  instance: string;
  snapshotAt: Date | null;
  createdAt: Date;
  bytes: number;
  keys: Record<string, number>;
  rdbVersion: number;
  verifyState: 'never' | 'ok' | 'failed';
  available: boolean;
  why: string | null;
}

/** `--source`: where to read from; absent = the nearest place. */
export type SourceSelector = { kind: 'local' } | { kind: 'offsite' } | { kind: 'archive' } | { kind: 'agent'; agentId: string };

export interface SourceQuery {
  /** Whose data. */
  from: InstanceRecord;
  /** The instance restored into (its agent runs the restore). */
  target: InstanceRecord;
  /** A copy or set id; absent = the newest usable one. */
  backupId?: string;
  /** The newest copy whose snapshot is at or before this instant. */
  before?: Date;
  /** `--before latest`: the newest second of the AOF archive. */
  latest?: boolean;
  source?: SourceSelector;
}

/**
 * Whether the target's agent can read a copy of this kind. `agent` copies are relayed between
 * agents (agent → coordinator → agent: coordinator/transfer/); RestoreService starts the transfer
 * and adds its descriptor (`remote`) to the job's arguments.
 */
export const RELAYED_COPIES_AVAILABLE = true;

/** Nearest first: the target host's own copies, another agent's copies, then offsite. */
const NEARNESS: Record<CandidateKind, number> = { local: 0, agent: 1, offsite: 2, archive: 3 };

/** `local` | `offsite` | `agent:ID`, or a USAGE error. */
export function parseSourceSelector(text: string): SourceSelector | undefined {
  const t = text.trim();
  if (!t) return undefined;
  if (t === 'local' || t === 'offsite' || t === 'archive') return { kind: t };
  if (t.startsWith('agent:') && t.length > 'agent:'.length) return { kind: 'agent', agentId: t.slice('agent:'.length) };
  throw new RedbackError('USAGE', `unknown source "${text}"`, { hint: 'use --source local, --source offsite, --source archive or --source agent:AGENT_ID' });
}

/**
 * Every copy of `from`'s data a restore into `target` could read, nearest first and newest first
 * within each place, filtered by id / time / source. Nothing is read: the agent verifies the copy
 * it restores (SHA-256 and CRC-64) before it touches Redis.
 */
export function listCandidates(catalog: Catalog, q: SourceQuery): RestoreCandidate[] {
  const out: RestoreCandidate[] = [];
  for (const b of catalog.listBackups({ agentId: q.from.agentId, instance: q.from.name })) {
    if (!b.locations.some((l) => l.kind === 'local' && l.state === 'present')) continue;
    const onTarget = b.agentId === q.target.agentId;
    out.push({
      kind: onTarget ? 'local' : 'agent',
      id: b.id,
      agentId: b.agentId,
      instance: b.instance,
      snapshotAt: b.manifest.snapshotAt ? new Date(b.manifest.snapshotAt) : null,
      createdAt: b.createdAt,
      bytes: b.bytes,
      keys: b.keys,
      rdbVersion: b.rdbVersion,
      verifyState: 'ok',
      available: onTarget || RELAYED_COPIES_AVAILABLE,
      why: onTarget || RELAYED_COPIES_AVAILABLE ? null : `on ${b.agentId}: copies streamed between agents are not available yet`,
    });
  }
  for (const s of catalog.offsite.list({ agentId: q.from.agentId, instance: q.from.name })) {
    if (s.state !== 'complete' || !s.manifest) continue;
    const m = s.manifest;
    out.push({
      kind: 'offsite',
      id: s.setId,
      agentId: s.agentId,
      instance: s.instance,
      snapshotAt: m.snapshotAt ? new Date(m.snapshotAt) : null,
      createdAt: s.createdAt,
      bytes: s.storedBytes,
      keys: m.keys,
      rdbVersion: m.rdbVersion,
      verifyState: s.verifyState,
      available: s.verifyState !== 'failed',
      why: s.verifyState === 'failed' ? `failed offsite verify: ${s.verifyDetail}` : null,
    });
  }
  const time = (c: RestoreCandidate) => (c.snapshotAt ?? c.createdAt).getTime();
  out.sort((a, b) => NEARNESS[a.kind] - NEARNESS[b.kind] || time(b) - time(a));
  // The archive at the asked second reflects that time exactly: first when it is newer than every
  // copy at or before it (a copy of exactly that second, nearer, stays first).
  const archived = archiveCandidate(catalog, q);
  if (archived) {
    const best = out.filter((c) => !q.before || time(c) <= q.before.getTime()).reduce((m, c) => Math.max(m, time(c)), 0);
    if (time(archived) > best) out.unshift(archived);
    else out.push(archived);
  }
  return out.filter((c) => {
    if (c.kind === 'archive') return !q.source || q.source.kind === 'archive';
    if (q.backupId && c.id !== q.backupId) return false;
    if (q.before && time(c) > q.before.getTime()) return false;
    if (q.source && c.kind !== q.source.kind) return false;
    if (q.source?.kind === 'agent' && c.agentId !== q.source.agentId) return false;
    return true;
  });
}

/** `pitr-<unix seconds>`: the archive at one second. */
export function archiveCandidateId(ts: number): string {
  return `pitr-${ts}`;
}

/**
 * The AOF archive of `from` as a candidate, from the recovery window the catalog keeps (the
 * agent's archiver reports its coverage in heartbeats): the second of `--before TIME` when a span
 * covers it, the newest archived second for `--before latest`, or the second a pinned id names.
 * Only for a restore into the instance itself (its agent reads its own archive).
 */
function archiveCandidate(catalog: Catalog, q: SourceQuery): RestoreCandidate | null {
  if (q.from.agentId !== q.target.agentId || q.from.name !== q.target.name) return null;
  const pinned = q.backupId ? /^pitr-(\d+)$/.exec(q.backupId) : null;
  if (q.backupId && !pinned) return null;
  const window = catalog.windows.get(q.from.agentId, q.from.name);
  const spans = window?.spans ?? [];
  if (spans.length === 0) return null;
  const ts = pinned ? Number(pinned[1]) : q.latest ? Math.max(...spans.map((s) => s.to)) : q.before ? Math.floor(q.before.getTime() / 1000) : null;
  if (ts === null || !spans.some((s) => ts >= s.from && ts <= s.to)) return null;
  return {
    kind: 'archive',
    id: archiveCandidateId(ts),
    agentId: q.from.agentId,
    instance: q.from.name,
    snapshotAt: new Date(ts * 1000),
    createdAt: new Date(ts * 1000),
    bytes: 0,
    keys: {},
    rdbVersion: 0,
    verifyState: 'never',
    available: true,
    why: null,
  };
}

/** The candidate a restore uses: the first available one (nearest, then newest), or an error saying why none. */
export function chooseSource(candidates: RestoreCandidate[], q: SourceQuery): RestoreCandidate {
  const chosen = candidates.find((c) => c.available);
  if (chosen) return chosen;
  const name = `${q.from.agentId}/${q.from.name}`;
  if (q.source?.kind === 'agent' && !RELAYED_COPIES_AVAILABLE) {
    throw new RedbackError('USAGE', `restoring from another agent's copy (--source agent:${q.source.agentId}) is not available yet`, {
      hint: `use --source local or --source offsite (redback backups --instance ${name}, redback offsite list --instance ${name})`,
    });
  }
  const what = [q.backupId ? `id ${q.backupId}` : null, q.before ? `snapshot at or before ${q.before.toISOString()}` : null, q.source ? `source ${q.source.kind === 'agent' ? `agent:${q.source.agentId}` : q.source.kind}` : null]
    .filter(Boolean)
    .join(', ');
  const unusable = candidates.filter((c) => !c.available).map((c) => `${c.kind} ${c.id}: ${c.why}`);
  throw new RedbackError('NOT_FOUND', `no usable copy of ${name}${what ? ` with ${what}` : ''}${unusable.length ? ` (${unusable.join('; ')})` : ''}`, {
    hint: `list copies with: redback backups --instance ${name}, and offsite sets with: redback offsite list --instance ${name}`,
  });
}

/** Lines for the plan: a newer copy farther away, candidates that cannot be used. */
export function candidateNotes(candidates: RestoreCandidate[], chosen: RestoreCandidate): string[] {
  const notes: string[] = [];
  const time = (c: RestoreCandidate) => (c.snapshotAt ?? c.createdAt).getTime();
  const newer = candidates.filter((c) => c.available && c !== chosen && time(c) > time(chosen)).sort((a, b) => time(b) - time(a))[0];
  if (newer) {
    notes.push(`a newer copy exists farther away: ${newer.kind} ${newer.id} (snapshot ${(newer.snapshotAt ?? newer.createdAt).toISOString()}): pick it with --backup ${newer.id}`);
  }
  for (const c of candidates.filter((c) => !c.available)) notes.push(`not used: ${c.kind} ${c.id} (${c.why})`);
  return notes;
}

/**
 * The arguments of the target agent's `restore` job for a chosen candidate (agent/recovery/restore-job.ts):
 * the id, and whose data it is when the target is another instance. This is the one place that
 * turns a candidate kind into what the agent receives; the relay plugs in at `agent`.
 */
export function restoreJobArgs(candidate: RestoreCandidate, target: InstanceRecord, options: { withConfig: boolean; dryRun: boolean }): Record<string, unknown> {
  const sameInstance = candidate.instance === target.name && candidate.agentId === target.agentId;
  const base = { backup: candidate.id, withConfig: options.withConfig, dryRun: options.dryRun };
  switch (candidate.kind) {
    case 'archive':
      // The agent's own diagnosis replays its archive to this second (agent/recovery/aof-archive-source.ts).
      return { before: candidate.snapshotAt!.toISOString(), withConfig: false, dryRun: options.dryRun };
    case 'local':
    case 'offsite':
      return sameInstance ? base : { ...base, from: { agentId: candidate.agentId, instance: candidate.instance } };
    case 'agent':
      // RestoreService adds `remote`: the copy's descriptor and, for a real run, its transfer id.
      return { ...base, from: { agentId: candidate.agentId, instance: candidate.instance } };
  }
}
