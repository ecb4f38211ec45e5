/**
 * The one table of error codes. Each code has a stable name (used in `--json` output and logs), a
 * CLI exit code (documented in the README) and a gRPC status (used by the coordinator's services).
 * Add rows here; never reuse or renumber one.
 */
export const ERROR_CODES = {
  INTERNAL: { exit: 1, grpc: 13 /* INTERNAL */, retryable: false },
  USAGE: { exit: 2, grpc: 3 /* INVALID_ARGUMENT */, retryable: false },
  CONFIG_INVALID: { exit: 3, grpc: 3, retryable: false },
  NOT_FOUND: { exit: 4, grpc: 5 /* NOT_FOUND */, retryable: false },
  REDIS_UNREACHABLE: { exit: 5, grpc: 14 /* UNAVAILABLE */, retryable: true },
  REDIS_AUTH: { exit: 5, grpc: 16 /* UNAUTHENTICATED */, retryable: false },
  REDIS_ERROR: { exit: 5, grpc: 9 /* FAILED_PRECONDITION */, retryable: true },
  BGSAVE_FAILED: { exit: 6, grpc: 9, retryable: true },
  BGSAVE_TIMEOUT: { exit: 6, grpc: 4 /* DEADLINE_EXCEEDED */, retryable: true },
  SNAPSHOT_TOO_OLD: { exit: 6, grpc: 9, retryable: true },
  STORAGE_FULL: { exit: 7, grpc: 8 /* RESOURCE_EXHAUSTED */, retryable: true },
  STORAGE_READONLY: { exit: 7, grpc: 9, retryable: false },
  STORAGE_ERROR: { exit: 7, grpc: 13, retryable: true },
  RDB_CORRUPT: { exit: 8, grpc: 15 /* DATA_LOSS */, retryable: false },
  RDB_NO_CHECKSUM: { exit: 8, grpc: 9, retryable: false },
  VERIFY_FAILED: { exit: 8, grpc: 15, retryable: false },
  AOF_CORRUPT: { exit: 8, grpc: 15, retryable: false },
  UNSAFE_REFUSED: { exit: 9, grpc: 9, retryable: false },
  PREFLIGHT_FAILED: { exit: 9, grpc: 9, retryable: false },
  RESTORE_FAILED: { exit: 9, grpc: 13, retryable: false },
  CONTROL_FAILED: { exit: 9, grpc: 13, retryable: false },
  LOCKED: { exit: 10, grpc: 10 /* ABORTED */, retryable: true },
  COORDINATOR_UNREACHABLE: { exit: 11, grpc: 14, retryable: true },
  AUTH_FAILED: { exit: 12, grpc: 16, retryable: false },
  PROTOCOL_MISMATCH: { exit: 12, grpc: 9, retryable: false },
  JOB_FAILED: { exit: 13, grpc: 13, retryable: false },
  TIMEOUT: { exit: 13, grpc: 4, retryable: true },
  CANCELLED: { exit: 13, grpc: 1 /* CANCELLED */, retryable: false },
  UNHEALTHY: { exit: 14, grpc: 9, retryable: false },
  OFFSITE_ERROR: { exit: 15, grpc: 14, retryable: true },
  OFFSITE_AUTH: { exit: 15, grpc: 16, retryable: false },
  OFFSITE_REFUSED: { exit: 15, grpc: 7 /* PERMISSION_DENIED */, retryable: false },
  SHORT_READ: { exit: 8, grpc: 15, retryable: false },
  NEEDS_ATTENTION: { exit: 16, grpc: 9, retryable: false },
  RDB_UNSUPPORTED: { exit: 8, grpc: 9, retryable: false },
  /** A second live session for an agent id that is connected (never a silent replacement). */
  SESSION_EXISTS: { exit: 12, grpc: 6 /* ALREADY_EXISTS */, retryable: true },
  /** The server cannot take a persistence policy (a setting it does not know or refuses); nothing was changed. */
  POLICY_UNSUPPORTED: { exit: 5, grpc: 9, retryable: false },
  ENCRYPTION_KEY_MISSING: { exit: 17, grpc: 9, retryable: false },
  ENCRYPTION_KEY_INVALID: { exit: 17, grpc: 9, retryable: false },
  ENCRYPTION_KEY_WRONG: { exit: 17, grpc: 16 /* UNAUTHENTICATED */, retryable: false },
  /** A copy moving between agents was cut (an agent or the coordinator went away) or arrived wrong; the target is as it was. */
  TRANSFER_FAILED: { exit: 18, grpc: 10 /* ABORTED */, retryable: true },
  /** The continuous AOF archive has a gap (a missed rewrite, a truncated or replaced file, another history): nothing restores across it. */
  ARCHIVE_GAP: { exit: 19, grpc: 15 /* DATA_LOSS */, retryable: false },
  /** A restore time the recovery window does not cover (before it, after the newest shipped second, or in a gap). */
  OUTSIDE_WINDOW: { exit: 19, grpc: 11 /* OUT_OF_RANGE */, retryable: false },
  /** A restore drill found that the copy does not restore: corrupt, refused by redis-server, or key counts that differ. */
  DRILL_FAILED: { exit: 20, grpc: 15 /* DATA_LOSS */, retryable: false },
} as const satisfies Record<string, { exit: number; grpc: number; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(value: string): value is ErrorCode {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** Exit codes as the README documents them; `redback --help` prints the same table. */
export const EXIT_CODE_TABLE: ReadonlyArray<{ exit: number; meaning: string }> = [
  { exit: 0, meaning: 'success' },
  { exit: 1, meaning: 'internal error (a bug: please report it)' },
  { exit: 2, meaning: 'usage error: unknown command or bad flag' },
  { exit: 3, meaning: 'configuration invalid' },
  { exit: 4, meaning: 'not found: unknown instance, backup or job' },
  { exit: 5, meaning: 'Redis unreachable, wrong password, Redis returned an error, or it cannot take a persistence policy' },
  { exit: 6, meaning: 'snapshot failed: BGSAVE error or timeout, dump.rdb too old' },
  { exit: 7, meaning: 'backup storage: disk full, read-only, permission denied' },
  { exit: 8, meaning: 'integrity: corrupt or truncated RDB/AOF, checksum mismatch, verify failed, short read; an RDB format redback cannot read (too old, too new, Valkey)' },
  { exit: 9, meaning: 'refused as unsafe, or a pre-flight check / restore step failed' },
  { exit: 10, meaning: 'another redback operation holds the lock' },
  { exit: 11, meaning: 'coordinator unreachable' },
  { exit: 12, meaning: 'authentication failed, protocol version mismatch, or the agent id is already connected' },
  { exit: 13, meaning: 'job failed, timed out or was cancelled' },
  { exit: 14, meaning: 'unhealthy: `redback status` found a problem' },
  { exit: 15, meaning: 'offsite storage (S3): unreachable, credentials rejected, or request refused' },
  { exit: 16, meaning: 'a recovery run needs attention: its rollback or resume stopped; then recover --resume, --rollback or --close' },
  { exit: 17, meaning: 'offsite encryption key missing, malformed, or not the key the set was encrypted with' },
  { exit: 18, meaning: 'a copy moving between agents failed: an agent or the coordinator went away, or the bytes arrived wrong (the target is as it was; retry)' },
  { exit: 19, meaning: 'point in time: the continuous AOF archive has a gap (a missed rewrite, a truncated or replaced AOF, another history after a failover), or a restore time is outside the recovery window' },
  { exit: 20, meaning: 'a restore drill failed: the copy is corrupt, does not load, or its key counts differ from its manifest' },
];
