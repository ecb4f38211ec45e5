import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { RedbackError } from '../../shared/errors/index.js';
import { compactTimestamp } from '../../shared/fs/durable.js';
import type { Logger } from '../../shared/log/logger.js';
import { newJobRecord, type Catalog, type JobRecord } from '../catalog/index.js';
import type { SessionRegistry } from '../fleet/session-registry.js';

export interface JobChange {
  job: JobRecord;
  message?: string;
}

export interface JobRequest {
  type: string;
  agentId: string;
  instance: string;
  args?: Record<string, unknown>;
  timeoutMs?: number;
}

/** How long agents' job messages wait to be applied together. */
const INBOX_DELAY_MS = 20;

const TERMINAL = new Set(['succeeded', 'failed', 'cancelled', 'timed-out']);

export function isTerminal(job: JobRecord): boolean {
  return TERMINAL.has(job.state);
}

/**
 * Jobs are commands for one agent with an id: created in the catalog, sent when the agent is
 * connected (or when it next connects), tracked through accepted → progress → result, timed out
 * and cancellable. The agent remembers the ids it has executed, so re-sending a job after a
 * reconnect never runs it twice.
 */
export class JobManager {
  private readonly events = new EventEmitter();
  private timer: NodeJS.Timeout | null = null;
  private pendingInserts: JobRecord[] = [];
  private inbox: Array<() => void> = [];
  private inboxTimer: NodeJS.Timeout | null = null;
  private insertTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly sessions: SessionRegistry,
    private readonly logger: Logger,
    private readonly defaultTimeoutMs: number,
    private readonly onFinished: (job: JobRecord) => void = () => undefined,
  ) {
    this.events.setMaxListeners(0);
  }

  start(tickMs = 1000): void {
    this.timer = setInterval(() => this.expire(), tickMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.settle();
  }

  create(request: JobRequest): JobRecord {
    return this.createMany([request])[0]!;
  }

  /**
   * Creates jobs and sends each to its agent if connected:
   * 1. build the job records in memory ('sent' for agents with a session, 'queued' for the rest);
   * 2. write the commands to the sessions (HTTP/2 puts them on the wire when this turn ends);
   * 3. insert the records in one transaction a few milliseconds later, so the catalog work does
   *    not hold the commands back. Whatever reads jobs (answers, cancel, expiry, the control
   *    service) calls settle() first, so no job is ever looked up before it is inserted.
   * A fleet-wide command of thousands of jobs reaches the agents first and costs one commit.
   */
  createMany(requests: readonly JobRequest[]): JobRecord[] {
    const now = Date.now();
    const stamp = compactTimestamp(new Date(now));
    const ids = randomBytes(4 * requests.length).toString('hex');
    const records = requests.map((request, i) =>
      newJobRecord(
        {
          jobId: `${stamp}-${request.type}-${ids.slice(8 * i, 8 * i + 8)}`,
          type: request.type,
          agentId: request.agentId,
          instance: request.instance,
          args: request.args ?? {},
          timeoutMs: request.timeoutMs ?? this.defaultTimeoutMs,
        },
        this.sessions.get(request.agentId) ? 'sent' : 'queued',
        now,
      ),
    );
    const sendStarted = performance.now();
    for (const job of records) if (job.state === 'sent') this.sendCommand(job);
    const sendMs = performance.now() - sendStarted;
    this.pendingInserts.push(...records);
    // The catalog insert waits until HTTP/2 has flushed the commands. Nothing can read a job before
    // it is inserted: every reader (answers, cancel, expiry, the control service) settles first.
    this.insertTimer ??= setTimeout(() => this.flushInserts(), INBOX_DELAY_MS);
    setImmediate(() => {
      for (const job of records) this.emit(job, job.state === 'sent' ? 'sent to agent' : 'queued');
      this.logger.info(
        { jobs: records.length, sent: records.filter((j) => j.state === 'sent').length, type: requests[0]?.type, sendMs: Math.round(sendMs) },
        'jobs created',
      );
    });
    return records;
  }

  /** Writes jobs created this turn to the catalog. */
  private flushInserts(): void {
    if (this.insertTimer) clearTimeout(this.insertTimer);
    this.insertTimer = null;
    if (this.pendingInserts.length === 0) return;
    const batch = this.pendingInserts;
    this.pendingInserts = [];
    try {
      this.catalog.insertJobRecords(batch);
    } catch (err) {
      this.logger.error({ err: (err as Error).message, jobs: batch.length }, 'could not record jobs in the catalog; their results will be ignored');
    }
  }

  /** Sends every open job of an agent that just connected (again, if it was sent before). */
  dispatchOpen(agentId: string): void {
    this.settle();
    for (const job of this.catalog.openJobsForAgent(agentId)) this.send(job);
  }

  private sendCommand(job: JobRecord): boolean {
    const session = this.sessions.get(job.agentId);
    if (!session) return false;
    session.send({
      command: {
        jobId: job.jobId,
        type: job.type,
        instance: job.instance,
        argsJson: job.argsJson,
        timeoutMs: job.deadlineAt ? Math.max(1, job.deadlineAt.getTime() - Date.now()) : 0,
      },
    });
    return true;
  }

  private send(job: JobRecord): JobRecord {
    if (!this.sendCommand(job) || job.state !== 'queued') return job;
    const { job: sent } = this.catalog.updateJob(job.jobId, { state: 'sent' });
    this.emit(sent, 'sent to agent');
    return sent;
  }

  /**
   * Agents' job messages are applied in batches, one catalog transaction every few milliseconds,
   * so thousands of answers to a fleet-wide command cost a few commits, not thousands.
   */
  private enqueue(apply: () => void): void {
    this.inbox.push(apply);
    this.inboxTimer ??= setTimeout(() => this.drainInbox(), INBOX_DELAY_MS);
  }

  /** Makes the catalog current: jobs created this turn and every queued agent message are written. */
  settle(): void {
    this.flushInserts();
    this.drainInbox();
  }

  /** Applies every queued agent message now. */
  private drainInbox(): void {
    if (this.inboxTimer) clearTimeout(this.inboxTimer);
    this.inboxTimer = null;
    if (this.inbox.length === 0) return;
    const batch = this.inbox;
    this.inbox = [];
    this.flushInserts();
    this.catalog.inTransaction(() => {
      for (const apply of batch) {
        try {
          apply();
        } catch (err) {
          this.logger.error({ err: (err as Error).message }, 'failed to apply a job message');
        }
      }
    });
  }

  accepted(agentId: string, jobId: string): void {
    this.enqueue(() => this.applyAccepted(agentId, jobId));
  }

  progress(agentId: string, p: { jobId: string; phase: string; done: number; total: number; message: string }): void {
    this.enqueue(() => this.applyProgress(agentId, p));
  }

  result(agentId: string, r: { jobId: string; ok: boolean; errorCode: string; errorMessage: string; errorHint: string; resultJson: string }): void {
    this.enqueue(() => this.applyResult(agentId, r));
  }

  private applyAccepted(agentId: string, jobId: string): void {
    const job = this.owned(agentId, jobId);
    if (!job || isTerminal(job)) return;
    const { job: running } = this.catalog.updateJob(jobId, { state: 'running' });
    this.emit(running, 'agent started the job');
  }

  private applyProgress(agentId: string, p: { jobId: string; phase: string; done: number; total: number; message: string }): void {
    const job = this.owned(agentId, p.jobId);
    if (!job || isTerminal(job)) return;
    const { job: updated } = this.catalog.updateJob(p.jobId, {
      ...(job.state !== 'running' ? { state: 'running' as const } : {}),
      phase: p.phase,
      done: p.done,
      total: p.total,
    });
    this.emit(updated, p.message || undefined);
  }

  private applyResult(agentId: string, r: { jobId: string; ok: boolean; errorCode: string; errorMessage: string; errorHint: string; resultJson: string }): void {
    const job = this.owned(agentId, r.jobId);
    if (!job) return;
    // The agent stops a job at its deadline and reports the abort: that is a timeout, not a failure.
    const timedOut = !r.ok && job.deadlineAt !== null && Date.now() >= job.deadlineAt.getTime();
    const { job: done, applied } = this.catalog.updateJob(r.jobId, {
      state: r.ok ? 'succeeded' : timedOut ? 'timed-out' : 'failed',
      resultJson: r.resultJson || null,
      ...(r.ok
        ? {}
        : timedOut
          ? {
              errorCode: 'TIMEOUT',
              errorMessage: `${job.type} job did not finish within ${Math.round(job.timeoutMs / 1000)} s${r.errorMessage ? ` (${r.errorMessage})` : ''}`,
              errorHint: "raise --timeout (or jobs.defaultTimeout), or check the agent's log for what took so long",
            }
          : { errorCode: r.errorCode || 'JOB_FAILED', errorMessage: r.errorMessage || 'job failed', errorHint: r.errorHint || null }),
    });
    if (!applied) return; // already finished (a late result after a timeout or cancel)
    this.logger.debug({ jobId: done.jobId, state: done.state, err: done.errorMessage ?? undefined }, 'job finished');
    this.emit(done, r.ok ? 'succeeded' : r.errorMessage);
    this.onFinished(done);
  }

  cancel(jobId: string): JobRecord {
    this.settle();
    const job = this.catalog.getJob(jobId);
    if (!job) throw new RedbackError('NOT_FOUND', `no job ${jobId}`, { hint: 'list jobs with: redback jobs' });
    if (isTerminal(job)) return job;
    const { job: cancelled } = this.catalog.updateJob(jobId, { state: 'cancelled', errorCode: 'CANCELLED', errorMessage: 'cancelled by an operator' });
    this.sessions.get(job.agentId)?.send({ cancel: { jobId } });
    this.emit(cancelled, 'cancelled');
    this.onFinished(cancelled);
    return cancelled;
  }

  /** Times out jobs past their deadline and tells their agents to stop. */
  expire(now = new Date()): JobRecord[] {
    this.settle();
    const expired = this.catalog.expireJobs(now);
    for (const job of expired) {
      this.sessions.get(job.agentId)?.send({ cancel: { jobId: job.jobId } });
      this.logger.warn({ jobId: job.jobId, agent: job.agentId }, 'job timed out');
      this.emit(job, 'timed out');
      this.onFinished(job);
    }
    return expired;
  }

  /** Calls `listener` on every change of the job; returns the unsubscribe function. */
  subscribe(jobId: string, listener: (change: JobChange) => void): () => void {
    this.events.on(jobId, listener);
    return () => this.events.off(jobId, listener);
  }

  private owned(agentId: string, jobId: string): JobRecord | null {
    this.flushInserts();
    const job = this.catalog.getJob(jobId);
    if (!job || job.agentId !== agentId) {
      this.logger.warn({ agent: agentId, jobId }, 'ignored a job message for a job this agent does not own');
      return null;
    }
    return job;
  }

  private emit(job: JobRecord, message?: string): void {
    this.events.emit(job.jobId, message === undefined ? { job } : { job, message });
  }
}
