import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../shared/proto/load.js';
import type { AgentMessage } from '../../shared/proto/generated/redback/v1/AgentMessage.js';
import type { CoordinatorMessage__Output } from '../../shared/proto/generated/redback/v1/CoordinatorMessage.js';
import type { CopyRecord } from '../../shared/proto/generated/redback/v1/CopyRecord.js';
import type { Schedule__Output } from '../../shared/proto/generated/redback/v1/Schedule.js';
import type { CachedSchedule } from './schedule-cache.js';

/**
 * The agent's codec for its Session with the coordinator: the only agent module that knows the
 * wire form (generated protocol types). The link speaks the domain messages below.
 */

/** One instance's health as a heartbeat reports it. */
export interface InstanceHealthReport {
  name: string;
  up: boolean;
  loading?: boolean;
  /** Seconds since Redis started loading (0 when not loading). */
  loadingSeconds?: number;
  /** The AOF trap is set on disk (checked while Redis is down). */
  aofTrap?: boolean;
  role?: string;
  dbsize?: number;
  usedMemory?: number;
  rdbLastBgsaveStatus?: string;
  rdbLastSaveTime?: number;
  aofEnabled?: boolean;
  aofLastWriteStatus?: string;
  aofLastBgrewriteStatus?: string;
  newest: Array<{ tier: string; copyId: string; createdAt: string }>;
  error: string;
  /** Persistence settings a policy can name, as CONFIG GET returns them (absent: not readable). */
  persistence?: Record<string, string>;
  /** The server's config file ("" = none). */
  configFile?: string;
  /** Continuous AOF archiving, when the instance is archived (agent/archive). */
  archive?: ArchiveHealthReport;
}

/** The archive part of a heartbeat (proto ArchiveHealth; Unix seconds, 0 = none). */
export interface ArchiveHealthReport {
  enabled: boolean;
  state: string;
  lagSeconds: number;
  lagBytes: number;
  epoch: string;
  coverage: Array<{ epoch: string; fromTs: number; toTs: number; closed: boolean; closedReason: string }>;
  gaps: Array<{ afterEpoch: string; beforeEpoch: string; fromTs: number; toTs: number; reason: string; detail: string; detectedAt: string }>;
  error: string;
  checkedAt: string;
  intervalMs: number;
  shippedBytes: number;
  uploadedBytes: number;
}

/** A local copy as the coordinator indexes it. */
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

export type ToCoordinator =
  | {
      hello: {
        protocolVersion: number;
        agentId: string;
        hostname: string;
        agentVersion: string;
        instances: Array<{ name: string; address: string; redisVersion: string; role: string }>;
        completedJobIds: string[];
      };
    }
  | { heartbeat: { seq: number; sentAtMs: number; instances: InstanceHealthReport[]; backupFreeBytes: number; backupTotalBytes: number } }
  | { inventory: { copies: CopyReport[]; part: number; parts: number } }
  | { copyEvent: { kind: 'created' | 'deleted'; copy: CopyReport; durationSeconds: number } }
  | { jobAccepted: { jobId: string } }
  | { jobProgress: { jobId: string; phase: string; done: number; total: number; message: string } }
  | { jobResult: { jobId: string; ok: boolean; errorCode: string; errorMessage: string; errorHint: string; resultJson: string } };

export interface JobCommand {
  jobId: string;
  type: string;
  instance: string;
  argsJson: string;
  timeoutMs: number;
}

export type FromCoordinator =
  | { kind: 'welcome'; coordinatorVersion: string; heartbeatIntervalMs: number }
  | { kind: 'schedule'; schedule: CachedSchedule }
  | { kind: 'command'; command: JobCommand }
  | { kind: 'cancel'; jobId: string }
  /** The coordinator's offsite target as JSON ('' = none configured). */
  | { kind: 'offsiteConfig'; configJson: string }
  | { kind: 'resendInventory' }
  | { kind: 'unknown' };

export function encodeToCoordinator(message: ToCoordinator): AgentMessage {
  if ('hello' in message) return { hello: { ...message.hello, scheduleVersion: 0, transferAddress: '' } };
  if ('inventory' in message) return { inventory: { ...message.inventory, copies: message.inventory.copies.map(copyRecord) } };
  if ('copyEvent' in message) {
    const e = message.copyEvent;
    return { copyEvent: { kind: e.kind === 'created' ? 'CREATED' : 'DELETED', copy: copyRecord(e.copy), durationSeconds: e.durationSeconds } };
  }
  return message as AgentMessage;
}

function copyRecord(c: CopyReport): CopyRecord {
  return { ...c };
}

export function decodeFromCoordinator(message: CoordinatorMessage__Output): FromCoordinator {
  switch (message.body) {
    case 'welcome':
      return { kind: 'welcome', coordinatorVersion: message.welcome!.coordinatorVersion, heartbeatIntervalMs: message.welcome!.heartbeatIntervalMs };
    case 'schedule':
      return { kind: 'schedule', schedule: toCachedSchedule(message.schedule!) };
    case 'command': {
      const c = message.command!;
      return { kind: 'command', command: { jobId: c.jobId, type: c.type, instance: c.instance, argsJson: c.argsJson, timeoutMs: c.timeoutMs } };
    }
    case 'cancel':
      return { kind: 'cancel', jobId: message.cancel!.jobId };
    case 'offsiteConfig':
      return { kind: 'offsiteConfig', configJson: message.offsiteConfig!.configJson };
    case 'resendInventory':
      return { kind: 'resendInventory' };
    default:
      return { kind: 'unknown' };
  }
}

function toCachedSchedule(schedule: Schedule__Output): CachedSchedule {
  const orNull = (ms: number) => (ms > 0 ? ms : null);
  return {
    version: schedule.version,
    receivedAt: new Date().toISOString(),
    instances: schedule.instances.map((s) => ({
      instance: s.instance,
      hourly: s.hourlyCron || null,
      daily: s.dailyCron || null,
      timeZone: s.timezone || 'UTC',
      retention: { hourlyMs: orNull(s.retentionHourlyMs), dailyMs: orNull(s.retentionDailyMs), manualMs: orNull(s.retentionManualMs) },
      ...(s.archive ? { archive: true, archiveIntervalMs: Number(s.archiveIntervalMs) || 0 } : {}),
    })),
  };
}

/** The session as the link sees it: domain messages both ways. */
export interface SessionChannel {
  send(message: ToCoordinator): void;
  onMessage(listener: (message: FromCoordinator) => void): void;
  onError(listener: (err: grpc.ServiceError) => void): void;
  onEnd(listener: () => void): void;
  end(): void;
  cancel(): void;
}

type SessionStream = grpc.ClientDuplexStream<AgentMessage, CoordinatorMessage__Output>;

/** The agent's gRPC client for the coordinator's AgentService. */
export class SessionClient {
  private readonly client: grpc.Client & { Session(metadata: grpc.Metadata): SessionStream };

  constructor(address: string, credentials: grpc.ChannelCredentials, options: grpc.ChannelOptions) {
    const { agent } = loadProtos();
    this.client = new agent.redback.v1.AgentService(address, credentials, options) as unknown as grpc.Client & {
      Session(metadata: grpc.Metadata): SessionStream;
    };
  }

  open(metadata: grpc.Metadata): SessionChannel {
    const stream = this.client.Session(metadata);
    return {
      send: (message) => void stream.write(encodeToCoordinator(message)),
      onMessage: (listener) => void stream.on('data', (m: CoordinatorMessage__Output) => listener(decodeFromCoordinator(m))),
      onError: (listener) => void stream.on('error', listener),
      onEnd: (listener) => void stream.on('end', listener),
      end: () => void stream.end(),
      cancel: () => stream.cancel(),
    };
  }

  close(): void {
    this.client.close();
  }
}
