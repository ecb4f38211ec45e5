import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { asRedbackError } from '../../shared/errors/index.js';
import type { AgentConfig } from '../../shared/config/agent-config.js';
import type { Logger } from '../../shared/log/logger.js';
import { loadProtos, PROTOCOL_VERSION } from '../../shared/proto/load.js';
import type { AgentMessage } from '../../shared/proto/generated/redback/v1/AgentMessage.js';
import type { Command__Output } from '../../shared/proto/generated/redback/v1/Command.js';
import type { CoordinatorMessage__Output } from '../../shared/proto/generated/redback/v1/CoordinatorMessage.js';
import type { Schedule__Output } from '../../shared/proto/generated/redback/v1/Schedule.js';
import { authMetadata, channelOptions, clientCredentials } from '../../shared/rpc/credentials.js';
import { REDBACK_VERSION } from '../../shared/version/version.js';
import type { AgentContext } from '../agent-context.js';
import type { LocalCopy } from '../store/local-store.js';
import { diskSpace, HealthProbe } from './health-probe.js';
import { executeJob } from './job-executor.js';
import { JobLedger, type JobOutcome } from './job-ledger.js';
import type { CachedSchedule } from './schedule-cache.js';
import type { InstanceQueue } from '../daemon/instance-queue.js';

type SessionStream = grpc.ClientDuplexStream<AgentMessage, CoordinatorMessage__Output>;

export interface LinkHooks {
  /** A schedule arrived from the coordinator (the daemon caches and applies it). */
  onSchedule(schedule: CachedSchedule): Promise<void>;
}

export function agentIdOf(config: AgentConfig): string {
  return config.agentId ?? hostname().replace(/[^A-Za-z0-9._-]/g, '-');
}

/**
 * The agent's end of the Session with the coordinator:
 * 1. dial and send Hello (protocol version, identity, instances, recently executed job ids);
 * 2. on Welcome: send the full inventory of local copies and start heartbeats;
 * 3. apply schedules as they come; execute commands at most once (JobLedger); honour Cancel;
 * 4. when the session ends, reconnect with exponential backoff and full jitter, forever.
 * Everything the agent does keeps working while this link is down.
 */
export class CoordinatorLink {
  private stream: SessionStream | null = null;
  private stopped = false;
  private attempt = 0;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private seq = 0;
  private copies: LocalCopy[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly ledger: JobLedger;
  private readonly health = new HealthProbe();
  private readonly client: grpc.Client & { Session(metadata: grpc.Metadata): SessionStream };
  readonly agentId: string;

  constructor(
    private readonly ctx: AgentContext,
    private readonly queue: InstanceQueue,
    private readonly hooks: LinkHooks,
    private readonly logger: Logger,
  ) {
    const settings = ctx.config.coordinator!;
    this.agentId = agentIdOf(ctx.config);
    this.ledger = new JobLedger(`${ctx.layout.agentStateDir()}/jobs`);
    const { agent } = loadProtos();
    this.client = new agent.redback.v1.AgentService(
      settings.address,
      clientCredentials(settings.tls),
      channelOptions(16 * 1024 * 1024, settings.tls?.servername),
    ) as unknown as grpc.Client & { Session(metadata: grpc.Metadata): SessionStream };
  }

  start(): void {
    void this.ledger.prune();
    this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopHeartbeats();
    this.stream?.end();
    this.stream?.cancel();
    this.client.close();
    await this.health.close();
  }

  /** Sends the full list of local copies (after a copy, a prune, or a reconnect). */
  async sendInventory(): Promise<void> {
    const names = this.ctx.config.instances.map((i) => i.name);
    const copies: LocalCopy[] = [];
    for (const name of names) copies.push(...(await this.ctx.store.inventory(name)).copies);
    this.copies = copies;
    this.send({
      inventory: {
        copies: copies.map((c) => ({
          id: c.manifest.id,
          instance: c.manifest.instance,
          tier: c.manifest.tier,
          bytes: c.manifest.bytes,
          sha256: c.manifest.sha256,
          createdAt: c.manifest.createdAt,
          manifestJson: JSON.stringify(c.manifest),
          state: c.state,
        })),
      },
    });
  }

  private send(message: AgentMessage): void {
    this.stream?.write(message);
  }

  private connect(): void {
    if (this.stopped) return;
    const settings = this.ctx.config.coordinator!;
    const stream = this.client.Session(authMetadata(settings.token, this.agentId));
    this.stream = stream;
    let ended = false;
    const end = (why: string, err?: Error) => {
      if (ended) return;
      ended = true;
      if (this.stream === stream) this.stream = null;
      this.stopHeartbeats();
      if (this.stopped) return;
      const delay = this.backoff();
      const error = err ? asRedbackError(err) : null;
      // Refusals need a human (wrong token, other protocol); an unreachable coordinator does not.
      const code = (err as grpc.ServiceError | undefined)?.code;
      const refused = code === grpc.status.UNAUTHENTICATED || code === grpc.status.PERMISSION_DENIED || code === grpc.status.FAILED_PRECONDITION;
      const level = refused ? 'error' : 'warn';
      this.logger[level]({ why, err: error?.message, retryInMs: delay }, 'coordinator session ended');
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    };
    stream.on('data', (message: CoordinatorMessage__Output) => {
      void this.onMessage(message).catch((err) => this.logger.error({ err: (err as Error).message }, 'failed to handle coordinator message'));
    });
    stream.on('error', (err: grpc.ServiceError) => end(`error ${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`, err));
    stream.on('end', () => end('coordinator closed the session'));
    void this.ledger.recentIds().then((completedJobIds) =>
      stream.write({
        hello: {
          protocolVersion: PROTOCOL_VERSION,
          agentId: this.agentId,
          hostname: hostname(),
          agentVersion: REDBACK_VERSION,
          instances: this.ctx.config.instances.map((i) => ({ name: i.name, address: addressOf(i.url), redisVersion: '', role: '' })),
          completedJobIds,
          scheduleVersion: 0,
          transferAddress: '',
        },
      }),
    );
  }

  private backoff(): number {
    const cap = Math.min(this.ctx.config.coordinator!.reconnectMaxDelay, 500 * 2 ** Math.min(this.attempt, 10));
    this.attempt++;
    return Math.floor(Math.random() * cap) + 100; // full jitter
  }

  private async onMessage(message: CoordinatorMessage__Output): Promise<void> {
    switch (message.body) {
      case 'welcome': {
        this.attempt = 0;
        this.logger.info({ coordinatorVersion: message.welcome!.coordinatorVersion }, 'connected to coordinator');
        await this.sendInventory();
        this.startHeartbeats(message.welcome!.heartbeatIntervalMs || 5000);
        return;
      }
      case 'schedule':
        await this.hooks.onSchedule(toCachedSchedule(message.schedule!));
        return;
      case 'command':
        await this.onCommand(message.command!);
        return;
      case 'offsiteConfig': {
        // The coordinator's offsite target, cached for uploads and for recovery without it.
        const json = message.offsiteConfig!.configJson;
        if (!json) return;
        try {
          const { writeOffsiteCache } = await import('../offsite/offsite-config.js');
          await writeOffsiteCache(this.ctx, JSON.parse(json));
        } catch (err) {
          this.logger.warn({ err: (err as Error).message }, 'cannot cache the offsite target from the coordinator');
        }
        return;
      }
      case 'resendInventory':
        await this.sendInventory();
        return;
      case 'cancel': {
        const controller = this.running.get(message.cancel!.jobId);
        if (controller) {
          controller.abort();
          this.logger.warn({ jobId: message.cancel!.jobId }, 'job cancelled by the coordinator');
        }
        return;
      }
      default:
        return;
    }
  }

  private async onCommand(command: Command__Output): Promise<void> {
    const { jobId } = command;
    const done = await this.ledger.get(jobId);
    if (done) {
      // Executed before (sent again after a reconnect): answer from the record, never run twice.
      this.logger.info({ jobId }, 'job already executed; answering from the record');
      this.sendResult(done);
      return;
    }
    if (this.running.has(jobId)) {
      this.send({ jobAccepted: { jobId } });
      return;
    }
    const controller = new AbortController();
    this.running.set(jobId, controller);
    const timeout = command.timeoutMs > 0 ? setTimeout(() => controller.abort(), command.timeoutMs) : null;
    this.send({ jobAccepted: { jobId } });
    let outcome: JobOutcome;
    try {
      let lastReport = 0;
      const result = await executeJob(
        this.ctx,
        this.queue,
        { type: command.type, instance: command.instance, args: parseArgs(command.argsJson) },
        {
          signal: controller.signal,
          report: (phase, doneBytes, total, message = '') => {
            const now = Date.now();
            if (now - lastReport < 200 && doneBytes < total) return; // at most 5 progress messages a second
            lastReport = now;
            this.send({ jobProgress: { jobId, phase, done: doneBytes, total, message } });
          },
        },
      );
      outcome = { jobId, ok: true, errorCode: '', errorMessage: '', errorHint: '', resultJson: JSON.stringify(result), finishedAt: new Date().toISOString() };
    } catch (err) {
      const error = asRedbackError(err);
      outcome = { jobId, ok: false, errorCode: error.code, errorMessage: error.message, errorHint: error.hint ?? '', resultJson: '', finishedAt: new Date().toISOString() };
    } finally {
      if (timeout) clearTimeout(timeout);
      this.running.delete(jobId);
    }
    await this.ledger.record(outcome);
    this.sendResult(outcome);
    await this.sendInventory();
  }

  private sendResult(outcome: JobOutcome): void {
    this.send({
      jobResult: {
        jobId: outcome.jobId,
        ok: outcome.ok,
        errorCode: outcome.errorCode,
        errorMessage: outcome.errorMessage,
        errorHint: outcome.errorHint,
        resultJson: outcome.resultJson,
      },
    });
  }

  private startHeartbeats(intervalMs: number): void {
    this.stopHeartbeats();
    const beat = () => void this.heartbeat().catch((err) => this.logger.warn({ err: (err as Error).message }, 'heartbeat failed'));
    beat();
    this.heartbeatTimer = setInterval(beat, intervalMs);
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    const instances = await Promise.all(this.ctx.config.instances.map((i) => this.health.instanceHealth(i, this.copies)));
    const disk = await diskSpace(this.ctx.config.backupDir);
    this.send({ heartbeat: { seq: ++this.seq, sentAtMs: Date.now(), instances, backupFreeBytes: disk.free, backupTotalBytes: disk.total } });
  }
}

function parseArgs(json: string): Record<string, unknown> {
  try {
    const value = JSON.parse(json || '{}') as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function addressOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 6379}`;
  } catch {
    return '';
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
    })),
  };
}
