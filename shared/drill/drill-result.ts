/**
 * What a restore drill reports (the agent's job result, the coordinator's `drills` row, the CLI's
 * JSON). Times are milliseconds; the recovery time (RTO) is measured from the start of the drill
 * to verified data served: fetch (copy or download, verified) + load + key check.
 */
export interface DrillResult {
  instance: string;
  /** The instance restored into (--target-instance); null for a scratch redis-server. */
  targetInstance: string | null;
  source: DrillSourceKind;
  /** Local copy id or offsite set id. */
  backupId: string;
  /** When Redis wrote the snapshot the copy holds. */
  snapshotAt: string | null;
  bytes: number;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  /** One line: why the drill failed (null when ok). */
  error: string | null;
  /** Start of the drill to verified data served. */
  rtoMs: number;
  phases: DrillPhases;
  /** Keys per database the copy's manifest promises, and what the restored server holds. */
  keysExpected: Record<string, number>;
  keysFound: Record<string, number>;
  /** The scratch server's port (scratch drills only). */
  scratchPort: number | null;
}

export type DrillSourceKind = 'local' | 'offsite';

export interface DrillPhases {
  /** Choosing the copy and copying or downloading it (SHA-256 and CRC-64 checked on the way). */
  fetchMs: number;
  /** Starting the server (or the restore's stop/move/place/start) until loading:0. */
  loadMs: number;
  /** Comparing the key counts with the manifest. */
  checkMs: number;
  /** --target-instance only: the restore runbook's remaining steps (AOF rebuild, config) after the check. */
  finishMs?: number;
}

export function isDrillSourceKind(value: string): value is DrillSourceKind {
  return value === 'local' || value === 'offsite';
}
