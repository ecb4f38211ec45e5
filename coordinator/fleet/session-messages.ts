import type { ArchiveReport } from '../archive/archive-reports.js';
import type { AgentHelloInput, InstanceHealth } from '../catalog/index.js';

/**
 * The agent session's messages in domain form. Only coordinator/rpc/session-codec.ts knows their
 * wire form (the generated protocol types); everything else in the coordinator uses these.
 */

/** One instance's schedule as an agent receives it (0 / '' = none). */
export interface ScheduleEntry {
  instance: string;
  hourlyCron: string;
  dailyCron: string;
  timezone: string;
  retentionHourlyMs: number;
  retentionDailyMs: number;
  retentionManualMs: number;
  /** The instance's persistence policy asks for continuous AOF archiving. */
  archive?: boolean;
}

export interface JobCommand {
  jobId: string;
  type: string;
  instance: string;
  argsJson: string;
  /** 0 = no timeout. */
  timeoutMs: number;
}

/** What the coordinator sends an agent. */
export type ToAgent =
  | { welcome: { protocolVersion: number; coordinatorVersion: string; heartbeatIntervalMs: number; agentId: string } }
  | { schedule: { version: number; instances: ScheduleEntry[] } }
  | { command: JobCommand }
  | { cancel: { jobId: string } }
  /** The offsite target (JSON of the config's target part; '' = none). */
  | { offsiteConfig: { configJson: string } }
  | { resendInventory: Record<string, never> };

export interface AgentHello extends AgentHelloInput {
  completedJobIds: string[];
}

/** A copy as the agent reports it, before validation (see report-validation.ts). */
export interface CopyReport {
  id: string;
  instance: string;
  tier: string;
  bytes: number;
  sha256: string;
  createdAt: string;
  manifestJson: string;
  state: string;
}

export interface HeartbeatReport {
  seq: number;
  /** The agent's clock when it sent the heartbeat (Unix ms; 0 = not given). */
  sentAtMs: number;
  backupFreeBytes: number;
  backupTotalBytes: number;
  instances: InstanceHealth[];
  /** Persistence settings per instance (CONFIG GET), for the policy; instances absent did not report them. */
  persistence?: Array<{ name: string; settings: Record<string, string>; configFile: string }>;
  /** Continuous AOF archive health per archived instance (heartbeat field 60). */
  archives?: Array<{ name: string; report: Omit<ArchiveReport, 'reportedAt'> }>;
}

export interface InventoryPart {
  copies: CopyReport[];
  /** 1-based; a whole inventory is parts 1..parts (an old agent sends part 0 of 0 = all at once). */
  part: number;
  parts: number;
}

export interface CopyEventReport {
  kind: 'created' | 'deleted';
  copy: CopyReport;
  /** How long the copy took (BGSAVE + copy + checks), seconds; 0 = unknown. */
  durationSeconds: number;
}

export interface JobProgressReport {
  jobId: string;
  phase: string;
  done: number;
  total: number;
  message: string;
}

export interface JobResultReport {
  jobId: string;
  ok: boolean;
  errorCode: string;
  errorMessage: string;
  errorHint: string;
  resultJson: string;
}

/** What an agent sends the coordinator. */
export type FromAgent =
  | { kind: 'hello'; hello: AgentHello }
  | { kind: 'heartbeat'; heartbeat: HeartbeatReport }
  | { kind: 'inventory'; inventory: InventoryPart }
  | { kind: 'copyEvent'; event: CopyEventReport }
  | { kind: 'jobAccepted'; jobId: string }
  | { kind: 'jobProgress'; progress: JobProgressReport }
  | { kind: 'jobResult'; result: JobResultReport }
  | { kind: 'unknown'; body: string };
