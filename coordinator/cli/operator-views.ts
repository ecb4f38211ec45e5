/**
 * What the operator's commands print: the coordinator's answers in domain form, decoded by
 * coordinator/rpc/control-client.ts (the CLI never sees the wire types). Times are ISO strings
 * ('' = never), as `--json` prints them.
 */
import type { OffsiteObjectRecord } from '../catalog/offsite-sets.js';
import type { ForgetAgentResult } from '../fleet/forget-agent.js';
import type { RebuildOutcome } from '../offsite/catalog-rebuild.js';

export interface AgentInfoView {
  agentId: string;
  hostname: string;
  liveness: string;
  lastHeartbeatAt: string;
  heartbeatAgeSeconds: number;
  agentVersion: string;
  protocolVersion: number;
  backupFreeBytes: number;
  instances: string[];
  connectedSince: string;
}

export interface InstanceStatusView {
  agentId: string;
  name: string;
  address: string;
  up: boolean;
  role: string;
  dbsize: number;
  usedMemory: number;
  rdbLastBgsaveStatus: string;
  aofEnabled: boolean;
  aofLastWriteStatus: string;
  newestHourlyAt: string;
  newestDailyAt: string;
  newestAnyAt: string;
  protected: boolean;
  problems: string[];
  agentLiveness: string;
  /** Newest complete offsite set ('' = none). */
  newestOffsiteAt: string;
  /** The instance's newest restore drill (null = never drilled). */
  lastDrill: DrillSummaryView | null;
  /** When its newest successful drill finished ('' = none). */
  lastDrillSuccessAt: string;
  /** What a restore can reach (archive spans to the second, nightly sets); null when the catalog has none yet. */
  recoveryWindow: RecoveryWindowView | null;
}

/** One restore drill as `redback instances` and `redback drill --json` show it. */
export interface DrillSummaryView {
  jobId: string;
  agentId: string;
  /** '' = a scratch redis-server. */
  targetInstance: string;
  backupId: string;
  source: string;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  /** Recovery time, start to verified data served (0 = not measured). */
  rtoMs: number;
  error: string;
  keysExpected: Record<string, number>;
  keysFound: Record<string, number>;
}

export interface RecoveryWindowView {
  /** Oldest / newest restorable time ('' = nothing). */
  from: string;
  to: string;
  /** Unix seconds, inclusive: any second inside restores exactly from the AOF archive. */
  spans: Array<{ fromTs: number; toTs: number; epoch: string }>;
  gaps: Array<{ fromTs: number; toTs: number }>;
  setCount: number;
  oldestSet: string;
  newestSet: string;
  updatedAt: string;
}

export interface BackupLocationView {
  kind: string;
  where: string;
  state: string;
  seenAt: string;
}

export interface BackupView {
  id: string;
  instance: string;
  tier: string;
  agentId: string;
  locations: BackupLocationView[];
  bytes: number;
  sha256: string;
  createdAt: string;
  rdbVersion: number;
  redisVersion: string;
  keys: Record<string, number>;
  state: string;
}

export interface JobView {
  jobId: string;
  type: string;
  instance: string;
  agentId: string;
  state: string;
  createdAt: string;
  startedAt: string;
  finishedAt: string;
  errorCode: string;
  errorMessage: string;
  errorHint: string;
  /** What the agent returned (e.g. the copy's manifest), as an object; null until it finished. */
  result: unknown;
  phase: string;
  done: number;
  total: number;
}

export interface JobEventView {
  job: JobView | null;
  message: string;
}

export interface StatusView {
  generatedAt: string;
  silentAgents: AgentInfoView[];
  unprotectedInstances: InstanceStatusView[];
  /** Every instance with a problem (unprotected, down, loading too long, AOF trap, failed saves). */
  problemInstances: InstanceStatusView[];
  /** Fleet-level problems. */
  problems: string[];
  failedJobs: JobView[];
  agentsTotal: number;
  agentsOnline: number;
  instancesTotal: number;
  instancesProtected: number;
  healthy: boolean;
  /** Instances whose persistence settings differ from their policy (a warning). */
  policyDrift: InstancePolicyView[];
}

export interface PolicySettingView {
  key: string;
  want: string;
  actual: string;
  reported: boolean;
  drift: boolean;
}

/** One instance against its persistence policy. */
export interface InstancePolicyView {
  agentId: string;
  instance: string;
  policy: string;
  archive: boolean;
  settings: PolicySettingView[];
  /** drift | ok | unknown */
  state: string;
  reportedAt: string;
  configFile: string;
}

/** `redback agent forget`: what the coordinator dropped (coordinator/fleet/forget-agent.ts). */
export type ForgetAgentView = ForgetAgentResult;

/** One object of an offsite set as `offsite list` shows it: the catalog's record without its verify state. */
export type OffsiteObjectView = Omit<OffsiteObjectRecord, 'verifyState' | 'verifyDetail'>;

export interface OffsiteSetInfoView {
  agentId: string;
  instance: string;
  setId: string;
  createdAt: string;
  state: string;
  plainBytes: number;
  storedBytes: number;
  objectCount: number;
  redisVersion: string;
  keys: Record<string, number>;
  encrypted: boolean;
  verifyState: string;
  verifiedAt: string;
  verifyDetail: string;
  host: string;
  objects: OffsiteObjectView[];
}

export interface OffsiteSetsView {
  sets: OffsiteSetInfoView[];
  target: string;
}

export interface SetVerifyView {
  agentId: string;
  instance: string;
  setId: string;
  ok: boolean;
  readData: boolean;
  objects: Array<{ key: string; kind: string; ok: boolean; problem: string; dataRead: boolean }>;
  problem: string;
}

export interface VerifyEventView {
  progress?: { setId: string; instance: string; done: number; total: number };
  result?: SetVerifyView;
}

export interface PruneView {
  decisions: Array<{ agentId: string; instance: string; setId: string; createdAt: string; complete: boolean; action: string; reason: string }>;
  deletedSets: number;
  deletedObjects: number;
  abortedUploads: number;
  dryRun: boolean;
  /** Why stale multipart uploads could not be aborted ("" = none). */
  abortProblem: string;
}

/** `redback catalog rebuild` (coordinator/offsite/catalog-rebuild.ts). */
export type RebuildView = RebuildOutcome;

/** A place a restore can read from (`redback restore --dry-run --json`: source and candidates). */
export interface RestoreCandidateView {
  kind: string;
  id: string;
  agentId: string;
  instance: string;
  snapshotAt: string;
  createdAt: string;
  bytes: number;
  keys: Record<string, number>;
  rdbVersion: number;
  verifyState: string;
  available: boolean;
  why: string;
}

/** The plan of a restore or recovery: the coordinator's choice and the target agent's dry run. */
export interface RestorePlanView {
  instance: string;
  target: string;
  source: RestoreCandidateView | null;
  candidates: RestoreCandidateView[];
  dataLossSince: string;
  dataLossSeconds: number;
  notes: string[];
  /** The dry-run job; its result is the agent's plan (runbook, steps, diagnosis). */
  dryRun: JobView | null;
  withConfig: boolean;
}
