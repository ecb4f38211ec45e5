import { archiveHealthOf } from '../archive/archive-health.js';
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { asRedbackError } from '../../shared/errors/index.js';
import type { AgentConfig } from '../../shared/config/agent-config.js';
import type { Logger } from '../../shared/log/logger.js';
import { PROTOCOL_VERSION } from '../../shared/proto/load.js';
import { authMetadata, channelOptions, clientCredentials } from '../../shared/rpc/credentials.js';
import { REDBACK_VERSION } from '../../shared/version/version.js';
import type { AgentContext } from '../agent-context.js';
import type { LocalCopy } from '../store/local-store.js';
import { SessionClient, type CopyReport, type FromCoordinator, type JobCommand, type SessionChannel, type ToCoordinator } from './agent-codec.js';
import { checkTrap } from '../recovery/trap-guard.js';
import { diskSpace, HealthProbe } from './health-probe.js';
import { executeJob } from './job-executor.js';
import { JobLedger, type JobOutcome } from './job-ledger.js';
import type { CachedSchedule } from './schedule-cache.js';
import type { InstanceQueue } from '../daemon/instance-queue.js';

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
  private stream: SessionChannel | null = null;
  private stopped = false;
  private attempt = 0;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private seq = 0;
  private copySync: Promise<void> = Promise.resolve();
  private readonly trapChecks = new Map<string, { at: number; trap: boolean }>();
  private copies: LocalCopy[] = [];
  private readonly running = new Map<string, AbortController>();
  private readonly ledger: JobLedger;
  private readonly health = new HealthProbe();
  private readonly client: SessionClient;
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
    this.client = new SessionClient(settings.address, clientCredentials(settings.tls), channelOptions(16 * 1024 * 1024, settings.tls?.servername));
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

  /** Local copies of every configured instance, as the store lists them now. */
  private async listCopies(): Promise<LocalCopy[]> {
    const copies: LocalCopy[] = [];
    for (const i of this.ctx.config.instances) copies.push(...(await this.ctx.store.inventory(i.name)).copies);
    return copies;
  }

  /**
   * Sends the full list of local copies (on every connect), in parts of at most INVENTORY_PART
   * copies so a large backup directory never exceeds the message size limit.
   */
  async sendInventory(): Promise<void> {
    const copies = await this.listCopies();
    this.copies = copies;
    const parts = Math.max(1, Math.ceil(copies.length / INVENTORY_PART));
    for (let part = 1; part <= parts; part++) {
      const slice = copies.slice((part - 1) * INVENTORY_PART, part * INVENTORY_PART);
      this.send({ inventory: { copies: slice.map(copyReport), part, parts } });
    }
  }

  /**
   * After a copy, a prune or any run: tells the coordinator what changed, one copy event per new or
   * deleted copy (the catalog and the backup metrics follow at once). Many changes at once (a
   * restored backup directory) go as a full inventory instead.
   */
  sendCopyChanges(): Promise<void> {
    // One diff at a time: a job and a scheduled run finishing together never report a copy twice.
    this.copySync = this.copySync.then(() => this.diffAndSend()).catch((err) => this.logger.warn({ err: (err as Error).message }, 'copy events not sent'));
    return this.copySync;
  }

  private async diffAndSend(): Promise<void> {
    if (!this.stream) return;
    const before = new Map(this.copies.map((c) => [copyKey(c), c]));
    const now = await this.listCopies();
    const after = new Map(now.map((c) => [copyKey(c), c]));
    const created = now.filter((c) => !before.has(copyKey(c)));
    const deleted = this.copies.filter((c) => !after.has(copyKey(c)));
    if (created.length + deleted.length > INVENTORY_PART) {
      await this.sendInventory();
      return;
    }
    this.copies = now;
    for (const c of created) this.send({ copyEvent: { kind: 'created', copy: copyReport(c), durationSeconds: copyDurationSeconds(c) } });
    for (const c of deleted) this.send({ copyEvent: { kind: 'deleted', copy: copyReport(c), durationSeconds: 0 } });
  }

  private send(message: ToCoordinator): void {
    this.stream?.send(message);
  }

  private connect(): void {
    if (this.stopped) return;
    const settings = this.ctx.config.coordinator!;
    const stream = this.client.open(authMetadata(settings.token, this.agentId));
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
      const refused =
        code === grpc.status.UNAUTHENTICATED ||
        code === grpc.status.PERMISSION_DENIED ||
        code === grpc.status.FAILED_PRECONDITION ||
        code === grpc.status.ALREADY_EXISTS;
      const level = refused ? 'error' : 'warn';
      this.logger[level]({ why, err: error?.message, retryInMs: delay }, 'coordinator session ended');
      this.reconnectTimer = setTimeout(() => this.connect(), delay);
    };
    stream.onMessage((message) => {
      void this.onMessage(message).catch((err) => this.logger.error({ err: (err as Error).message }, 'failed to handle coordinator message'));
    });
    stream.onError((err) => end(`error ${grpc.status[err.code] ?? err.code}: ${err.details || err.message}`, err));
    stream.onEnd(() => end('coordinator closed the session'));
    void this.ledger.recentIds().then((completedJobIds) =>
      stream.send({
        hello: {
          protocolVersion: PROTOCOL_VERSION,
          agentId: this.agentId,
          hostname: hostname(),
          agentVersion: REDBACK_VERSION,
          instances: this.ctx.config.instances.map((i) => ({ name: i.name, address: addressOf(i.url), redisVersion: '', role: '' })),
          completedJobIds,
        },
      }),
    );
  }

  private backoff(): number {
    const cap = Math.min(this.ctx.config.coordinator!.reconnectMaxDelay, 500 * 2 ** Math.min(this.attempt, 10));
    this.attempt++;
    return Math.floor(Math.random() * cap) + 100; // full jitter
  }

  private async onMessage(message: FromCoordinator): Promise<void> {
    switch (message.kind) {
      case 'welcome': {
        this.attempt = 0;
        this.logger.info({ coordinatorVersion: message.coordinatorVersion }, 'connected to coordinator');
        await this.sendInventory();
        this.startHeartbeats(message.heartbeatIntervalMs || 5000);
        return;
      }
      case 'schedule':
        await this.hooks.onSchedule(message.schedule);
        return;
      case 'command':
        await this.onCommand(message.command);
        return;
      case 'offsiteConfig': {
        // The coordinator's offsite target, cached for uploads and for recovery without it.
        const json = message.configJson;
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
        const controller = this.running.get(message.jobId);
        if (controller) {
          controller.abort();
          this.logger.warn({ jobId: message.jobId }, 'job cancelled by the coordinator');
        }
        return;
      }
      default:
        return;
    }
  }

  private async onCommand(command: JobCommand): Promise<void> {
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
      // A job that failed halfway may say what it did (a restore's steps): kept with the error.
      const partial = error.details?.jobResult;
      outcome = { jobId, ok: false, errorCode: error.code, errorMessage: error.message, errorHint: error.hint ?? '', resultJson: partial === undefined ? '' : JSON.stringify(partial), finishedAt: new Date().toISOString() };
    } finally {
      if (timeout) clearTimeout(timeout);
      this.running.delete(jobId);
    }
    await this.ledger.record(outcome);
    await this.sendCopyChanges();
    this.sendResult(outcome);
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

  private async trapOf(instance: string): Promise<boolean> {
    const cached = this.trapChecks.get(instance);
    if (cached && Date.now() - cached.at < TRAP_CHECK_TTL_MS) return cached.trap;
    let trap = false;
    try {
      trap = (await checkTrap(this.ctx, instance)) !== null;
    } catch (err) {
      this.logger.debug({ instance, err: (err as Error).message }, 'trap check skipped');
    }
    this.trapChecks.set(instance, { at: Date.now(), trap });
    return trap;
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
    const instances = await Promise.all(
      this.ctx.config.instances.map(async (i) => {
        const health = await this.health.instanceHealth(i, this.copies);
        const archive = await archiveHealthOf(this.ctx, i);
        if (archive) health.archive = archive;
        // A Redis that is down may be sitting in the AOF trap: say so, the coordinator shows it.
        if (!health.up) health.aofTrap = await this.trapOf(i.name);
        return health;
      }),
    );
    const disk = await diskSpace(this.ctx.config.backupDir);
    this.send({ heartbeat: { seq: ++this.seq, sentAtMs: Date.now(), instances, backupFreeBytes: disk.free, backupTotalBytes: disk.total } });
  }
}

/** Copies per inventory message (a copy record is ~1.5 KB: 500 stay far below 4 MiB). */
const INVENTORY_PART = 500;

const copyKey = (c: LocalCopy): string => `${c.manifest.instance}/${c.manifest.id}`;

function copyReport(c: LocalCopy): CopyReport {
  return {
    id: c.manifest.id,
    instance: c.manifest.instance,
    tier: c.manifest.tier,
    bytes: c.manifest.bytes,
    sha256: c.manifest.sha256,
    createdAt: c.manifest.createdAt,
    manifestJson: JSON.stringify(c.manifest),
    state: c.state,
  };
}

/**
 * How long a fresh copy took, from Redis starting the snapshot (the RDB's ctime) to redback
 * finishing the copy and its checks; 0 (unknown) for copies of an existing dump.rdb or links.
 */
function copyDurationSeconds(c: LocalCopy): number {
  const m = c.manifest;
  if (m.source !== 'bgsave' || !m.snapshotAt) return 0;
  const seconds = (Date.parse(m.createdAt) - Date.parse(m.snapshotAt)) / 1000;
  return Number.isFinite(seconds) && seconds >= 0 ? seconds : 0;
}

/** How long a trap check of a down instance is reused (it reads redis.conf and the AOF directory). */
const TRAP_CHECK_TTL_MS = 15_000;

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
