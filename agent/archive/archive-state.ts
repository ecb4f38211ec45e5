import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../../shared/fs/durable.js';
import type { ArchiveGap, ArchiveHistory } from '../../shared/offsite/archive-layout.js';
import type { BackupLayout } from '../store/layout.js';

/**
 * The archiver's local state, `<backupDir>/.agent/archive/<instance>.state.json`: what was
 * shipped (per incr file: offset, next segment number, the last segment's plaintext SHA-256 and
 * a hash of the bytes just before the offset), written atomically after every confirmed upload,
 * so a restarted agent (even after kill -9) resumes exactly there. It also holds the archive's
 * history (the index the archiver writes offsite).
 *
 * `<instance>.status.json` is what the last round saw (lag, coverage, the last error): the
 * heartbeat and `redback agent archive-status` read it.
 */

export const STATE_VERSION = 1;

export interface ShippedIncr {
  file: string;
  seq: number;
  /** Bytes of the file shipped (the next segment starts here). */
  offset: number;
  /** Next segment number. */
  segment: number;
  /** Plaintext SHA-256 of the last shipped segment (the next record's prevPlainSha256). */
  lastSha: string | null;
  /** SHA-256 of the (up to) TAIL_BYTES bytes before `offset`: a file rewritten underneath shows. */
  tailSha: string | null;
  /** How many bytes `tailSha` covers. */
  tailLen?: number;
  /** Inode of the file (dev:ino) when first linked. */
  inode: string | null;
  /** Shipped to its end after Redis moved on to a later incr file. */
  done: boolean;
}

export interface OpenEpoch {
  id: string;
  number: number;
  /** Generations of the bases committed offsite. */
  shippedBases: number[];
  incrs: ShippedIncr[];
}

export interface ArchiverState {
  version: typeof STATE_VERSION;
  agentId: string;
  instance: string;
  /** The offsite target and prefix this state belongs to (another target starts afresh). */
  target: string;
  epoch: OpenEpoch | null;
  /** After a gap: the next epoch starts at a base of at least this generation. */
  nextBaseGen: number | null;
  replid: string | null;
  history: ArchiveHistory | null;
  /** When every byte Redis had written was last shipped (lag seconds count from here). */
  caughtUpAt: string | null;
  /** The local history changed and is not offsite yet (written at the start of the next round). */
  historyDirty?: boolean;
}

export interface ArchiveStatus {
  instance: string;
  enabled: boolean;
  /** 'ok' | 'lagging' | 'gap' | 'error' | 'starting' */
  state: string;
  checkedAt: string;
  lagBytes: number;
  lagSeconds: number;
  /** Every AOF byte written before this time is offsite; lag seconds at any moment = now − caughtUpAt. */
  caughtUpAt: string | null;
  intervalMs: number;
  epoch: string | null;
  shippedBytes: number;
  uploadedBytes: number;
  segments: number;
  coverage: Array<{ epoch: string; fromTs: number | null; toTs: number | null; closed: boolean; closedReason: string | null }>;
  gaps: ArchiveGap[];
  error: { code: string; message: string; hint?: string } | null;
}

export function archiveDir(layout: BackupLayout): string {
  return join(layout.agentStateDir(), 'archive');
}

export function statePath(layout: BackupLayout, instance: string): string {
  return join(archiveDir(layout), `${instance}.state.json`);
}

export function statusPath(layout: BackupLayout, instance: string): string {
  return join(archiveDir(layout), `${instance}.status.json`);
}

export async function loadArchiverState(layout: BackupLayout, instance: string): Promise<ArchiverState | null> {
  try {
    const parsed = JSON.parse(await readFile(statePath(layout, instance), 'utf8')) as ArchiverState;
    return parsed.version === STATE_VERSION ? parsed : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

export async function saveArchiverState(layout: BackupLayout, state: ArchiverState): Promise<void> {
  await ensureDir(archiveDir(layout));
  await writeFileAtomic(statePath(layout, state.instance), JSON.stringify(state) + '\n');
}

export async function saveArchiveStatus(layout: BackupLayout, status: ArchiveStatus): Promise<void> {
  await ensureDir(archiveDir(layout));
  await writeFileAtomic(statusPath(layout, status.instance), JSON.stringify(status, null, 2) + '\n');
}

export async function loadArchiveStatus(layout: BackupLayout, instance: string): Promise<ArchiveStatus | null> {
  try {
    return JSON.parse(await readFile(statusPath(layout, instance), 'utf8')) as ArchiveStatus;
  } catch {
    return null;
  }
}
