import type Database from 'better-sqlite3';
import { RedbackError } from '../../shared/errors/index.js';
import { formatDuration } from '../../shared/time/clock.js';
import { isConstraint, ms, msOrNull, parseJson, toDate, toDateOrNull, type CatalogDb } from './catalog-db.js';

/** The one definition of job states (the catalog's CHECK constraint lists the same). */
export const JOB_STATES = ['queued', 'sent', 'running', 'succeeded', 'failed', 'cancelled', 'timed-out'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const OPEN_JOB_STATES: readonly JobState[] = ['queued', 'sent', 'running'];
export const TERMINAL_JOB_STATES: readonly JobState[] = ['succeeded', 'failed', 'cancelled', 'timed-out'];

export interface CreateJobInput {
  jobId: string;
  type: string;
  agentId: string;
  instance: string;
  args?: unknown;
  /** 0 or absent = no timeout. The deadline is created_at + timeoutMs (queued time counts). */
  timeoutMs?: number;
}

export interface JobPatch {
  state?: JobState;
  sentAt?: Date | null;
  startedAt?: Date | null;
  finishedAt?: Date | null;
  errorCode?: string | null;
  errorMessage?: string | null;
  errorHint?: string | null;
  resultJson?: string | null;
  phase?: string | null;
  done?: number | null;
  total?: number | null;
}

export interface JobRecord {
  jobId: string;
  type: string;
  agentId: string;
  instance: string;
  args: unknown;
  argsJson: string;
  state: JobState;
  createdAt: Date;
  sentAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  timeoutMs: number;
  deadlineAt: Date | null;
  errorCode: string | null;
  errorMessage: string | null;
  errorHint: string | null;
  resultJson: string | null;
  phase: string | null;
  done: number | null;
  total: number | null;
}

export interface JobUpdateResult {
  job: JobRecord;
  /** false: the job had already ended (terminal states are final) and the patch was ignored. */
  applied: boolean;
}

export interface ListJobsOptions {
  instance?: string;
  state?: JobState;
  agentId?: string;
  /** Default 100, at most 10000. */
  limit?: number;
}

export interface JobEventRecord {
  id: number;
  jobId: string;
  at: Date;
  kind: string;
  message: string;
  data: unknown;
}

// ---- rows as SQLite returns them ---------------------------------------------------------------

interface JobRow {
  job_id: string;
  type: string;
  agent_id: string;
  instance: string;
  args_json: string;
  state: string;
  created_at: number;
  sent_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  timeout_ms: number;
  deadline_at: number | null;
  error_code: string | null;
  error_message: string | null;
  error_hint: string | null;
  result_json: string | null;
  phase: string | null;
  done: number | null;
  total: number | null;
}

interface JobEventRow {
  id: number;
  job_id: string;
  at: number;
  kind: string;
  message: string;
  data_json: string | null;
}

const DEFAULT_JOB_LIMIT = 100;
const MAX_JOB_LIMIT = 10_000;

export function isJobState(value: string): value is JobState {
  return (JOB_STATES as readonly string[]).includes(value);
}

/** Jobs and their event logs. */
export class JobRecords {
  readonly s: ReturnType<typeof prepareJobStatements>;

  constructor(private readonly c: CatalogDb) {
    this.s = prepareJobStatements(c.db);
  }

  /** A new job in state 'queued' (with a 'state' event). Throws INTERNAL on a duplicate id. */
  /** Inserts jobs built with newJobRecord (and their first state event) in one transaction. */
  insertJobRecords(records: readonly JobRecord[]): void {
    this.c.db.transaction(() => {
      for (const job of records) {
        this.s.insertJobInState.run({
          job_id: job.jobId,
          type: job.type,
          agent_id: job.agentId,
          instance: job.instance,
          args_json: job.argsJson,
          state: job.state,
          created_at: job.createdAt.getTime(),
          sent_at: job.sentAt ? job.sentAt.getTime() : null,
          timeout_ms: job.timeoutMs,
          deadline_at: job.deadlineAt ? job.deadlineAt.getTime() : null,
        });
        this.insertEvent(job.jobId, job.createdAt.getTime(), 'state', job.state === 'sent' ? 'queued -> sent' : 'queued', { to: job.state });
      }
    })();
  }

  /** Runs `fn` in one transaction (nested calls become savepoints): many writes, one commit. */
  inTransaction<T>(fn: () => T): T {
    return this.c.db.transaction(fn)();
  }

  createJob(input: CreateJobInput): JobRecord {
    const now = this.c.now();
    const timeoutMs = Math.max(0, Math.floor(input.timeoutMs ?? 0));
    return this.c.db.transaction(() => {
      try {
        this.s.insertJob.run({
          jobId: input.jobId,
          type: input.type,
          agentId: input.agentId,
          instance: input.instance,
          argsJson: JSON.stringify(input.args ?? {}),
          now,
          timeoutMs,
          deadlineAt: timeoutMs > 0 ? now + timeoutMs : null,
        });
      } catch (err) {
        if (isConstraint(err, 'SQLITE_CONSTRAINT_PRIMARYKEY')) {
          throw new RedbackError('INTERNAL', `job ${input.jobId} already exists in the catalog`, { cause: err });
        }
        throw err;
      }
      this.insertEvent(input.jobId, now, 'state', 'queued', { to: 'queued' });
      return this.getJob(input.jobId)!;
    })();
  }

  /**
   * Changes a job. A state change records a 'state' event and fills sent_at / started_at /
   * finished_at with now unless the patch gives them. Terminal states are final: a patch on an ended
   * job is ignored (`applied: false`), e.g. a result arriving after the job timed out.
   * Throws NOT_FOUND for an unknown job.
   */
  updateJob(jobId: string, patch: JobPatch): JobUpdateResult {
    return this.c.db.transaction(() => this.updateJobIn(jobId, patch, this.c.now()))();
  }

  getJob(jobId: string): JobRecord | null {
    const row = this.s.getJob.get({ jobId }) as JobRow | undefined;
    return row ? jobFromRow(row) : null;
  }

  /** Newest first (creation time, then insertion order). */
  listJobs(options: ListJobsOptions = {}): JobRecord[] {
    const where: string[] = [];
    const params: Record<string, unknown> = {
      limit: Math.min(MAX_JOB_LIMIT, Math.max(1, Math.floor(options.limit ?? DEFAULT_JOB_LIMIT))),
    };
    if (options.instance !== undefined) {
      where.push('j.instance = @instance');
      params.instance = options.instance;
    }
    if (options.state !== undefined) {
      where.push('j.state = @state');
      params.state = options.state;
    }
    if (options.agentId !== undefined) {
      where.push('j.agent_id = @agentId');
      params.agentId = options.agentId;
    }
    const stmt = this.c.variant(
      `listJobs:${options.instance !== undefined}:${options.state !== undefined}:${options.agentId !== undefined}`,
      `SELECT j.* FROM jobs j${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY j.created_at DESC, j.rowid DESC LIMIT @limit`,
    );
    return (stmt.all(params) as JobRow[]).map(jobFromRow);
  }

  /** Appends an event to a job's log. Throws NOT_FOUND for an unknown job. */
  addJobEvent(jobId: string, kind: string, message: string, data?: unknown): JobEventRecord {
    const now = this.c.now();
    try {
      const id = this.insertEvent(jobId, now, kind, message, data);
      return { id, jobId, at: toDate(now), kind, message, data: data ?? null };
    } catch (err) {
      if (isConstraint(err, 'SQLITE_CONSTRAINT_FOREIGNKEY')) throw jobNotFound(jobId);
      throw err;
    }
  }

  /** A job's events in order; `afterId` returns only newer ones (for watching a job). */
  listJobEvents(jobId: string, options: { afterId?: number } = {}): JobEventRecord[] {
    return (this.s.listJobEvents.all({ jobId, afterId: options.afterId ?? 0 }) as JobEventRow[]).map((row) => ({
      id: row.id,
      jobId: row.job_id,
      at: toDate(row.at),
      kind: row.kind,
      message: row.message,
      data: parseJson(row.data_json),
    }));
  }

  /** queued / sent / running jobs of an agent, oldest first (to re-send after a reconnect). */
  openJobsForAgent(agentId: string): JobRecord[] {
    return (this.s.openJobsForAgent.all({ agentId }) as JobRow[]).map(jobFromRow);
  }

  /** Open jobs whose deadline (created_at + timeout_ms) is at or before `now` become 'timed-out'. */
  expireJobs(now: Date = this.c.clock.now()): JobRecord[] {
    const at = ms(now);
    return this.c.db.transaction(() => {
      const expired: JobRecord[] = [];
      for (const row of this.s.expiredJobs.all({ now: at }) as JobRow[]) {
        const { job } = this.updateJobIn(
          row.job_id,
          {
            state: 'timed-out',
            errorCode: 'TIMEOUT',
            errorMessage: `${row.type} job did not finish within ${formatDuration(row.timeout_ms)} (state was ${row.state})`,
            errorHint:
              row.state === 'queued'
                ? 'the agent did not connect in time: check that it is running and can reach the coordinator'
                : "check the agent's log; the job may still be running on the host",
            finishedAt: now,
          },
          at,
        );
        expired.push(job);
      }
      return expired;
    })();
  }

  /** Jobs that failed or timed out at or after `since`, newest first. */
  failedJobsSince(since: Date): JobRecord[] {
    return (this.s.failedJobsSince.all({ since: ms(since) }) as JobRow[]).map(jobFromRow);
  }

  private insertEvent(jobId: string, at: number, kind: string, message: string, data: unknown): number {
    const info = this.s.insertJobEvent.run({
      jobId,
      at,
      kind,
      message,
      dataJson: data === undefined || data === null ? null : JSON.stringify(data),
    });
    return Number(info.lastInsertRowid);
  }

  private updateJobIn(jobId: string, patch: JobPatch, now: number): JobUpdateResult {
    const row = this.s.getJob.get({ jobId }) as JobRow | undefined;
    if (!row) throw jobNotFound(jobId);
    const current = jobFromRow(row);
    if ((TERMINAL_JOB_STATES as readonly string[]).includes(current.state)) return { job: current, applied: false };
    if (patch.state !== undefined && !isJobState(patch.state)) {
      throw new RedbackError('INTERNAL', `unknown job state "${patch.state as string}"`);
    }
    const next: JobRecord = { ...current };
    const assign = <K extends keyof JobPatch & keyof JobRecord>(key: K): void => {
      if (patch[key] !== undefined) (next as unknown as Record<string, unknown>)[key] = patch[key];
    };
    (['state', 'sentAt', 'startedAt', 'finishedAt', 'errorCode', 'errorMessage', 'errorHint', 'resultJson', 'phase', 'done', 'total'] as const).forEach(
      assign,
    );
    const stateChanged = next.state !== current.state;
    if (stateChanged) {
      if (next.state === 'sent' && next.sentAt == null) next.sentAt = toDate(now);
      if (next.state === 'running' && next.startedAt == null) next.startedAt = toDate(now);
      if ((TERMINAL_JOB_STATES as readonly string[]).includes(next.state) && next.finishedAt == null) next.finishedAt = toDate(now);
    }
    this.s.updateJob.run({
      jobId,
      state: next.state,
      sentAt: msOrNull(next.sentAt),
      startedAt: msOrNull(next.startedAt),
      finishedAt: msOrNull(next.finishedAt),
      errorCode: next.errorCode,
      errorMessage: next.errorMessage,
      errorHint: next.errorHint,
      resultJson: next.resultJson,
      phase: next.phase,
      done: next.done,
      total: next.total,
    });
    if (stateChanged) {
      const data: Record<string, unknown> = { from: current.state, to: next.state };
      if (next.errorCode && next.errorCode !== current.errorCode) data.errorCode = next.errorCode;
      this.insertEvent(jobId, now, 'state', `${current.state} -> ${next.state}`, data);
    }
    return { job: next, applied: true };
  }
}

function prepareJobStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  return {
    insertJob: p(`INSERT INTO jobs (job_id, type, agent_id, instance, args_json, state, created_at, timeout_ms, deadline_at)
      VALUES (@jobId, @type, @agentId, @instance, @argsJson, 'queued', @now, @timeoutMs, @deadlineAt)`),
    insertJobInState: p(`INSERT INTO jobs (job_id, type, agent_id, instance, args_json, state, created_at, sent_at, timeout_ms, deadline_at)
      VALUES (@job_id, @type, @agent_id, @instance, @args_json, @state, @created_at, @sent_at, @timeout_ms, @deadline_at)`),
    getJob: p(`SELECT j.* FROM jobs j WHERE j.job_id = @jobId`),
    updateJob: p(`UPDATE jobs SET state = @state, sent_at = @sentAt, started_at = @startedAt, finished_at = @finishedAt,
        error_code = @errorCode, error_message = @errorMessage, error_hint = @errorHint, result_json = @resultJson,
        phase = @phase, done = @done, total = @total
      WHERE job_id = @jobId`),
    insertJobEvent: p(`INSERT INTO job_events (job_id, at, kind, message, data_json) VALUES (@jobId, @at, @kind, @message, @dataJson)`),
    listJobEvents: p(`SELECT e.* FROM job_events e WHERE e.job_id = @jobId AND e.id > @afterId ORDER BY e.id`),
    openJobsForAgent: p(`SELECT j.* FROM jobs j WHERE j.agent_id = @agentId AND j.state IN ('queued', 'sent', 'running')
      ORDER BY j.created_at, j.rowid`),
    // INDEXED BY: the small partial index of open jobs with a deadline, never a state index.
    expiredJobs: p(`SELECT j.* FROM jobs j INDEXED BY jobs_open_deadline
      WHERE j.state IN ('queued', 'sent', 'running') AND j.deadline_at IS NOT NULL AND j.deadline_at <= @now
      ORDER BY j.deadline_at`),
    failedJobsSince: p(`SELECT j.* FROM jobs j WHERE j.state IN ('failed', 'timed-out') AND j.finished_at >= @since
      ORDER BY j.finished_at DESC`),
  };
}

/** A new job as insertJobRecords stores it, built without touching the database. */
export function newJobRecord(input: CreateJobInput, state: 'queued' | 'sent', nowMs: number, argsJson?: string): JobRecord {
  const timeoutMs = Math.max(0, Math.floor(input.timeoutMs ?? 0));
  const created = new Date(nowMs);
  return {
    jobId: input.jobId,
    type: input.type,
    agentId: input.agentId,
    instance: input.instance,
    args: input.args ?? {},
    argsJson: argsJson ?? JSON.stringify(input.args ?? {}),
    state,
    createdAt: created,
    sentAt: state === 'sent' ? created : null,
    startedAt: null,
    finishedAt: null,
    timeoutMs,
    deadlineAt: timeoutMs > 0 ? new Date(nowMs + timeoutMs) : null,
    errorCode: null,
    errorMessage: null,
    errorHint: null,
    resultJson: null,
    phase: null,
    done: null,
    total: null,
  };
}

function jobFromRow(row: JobRow): JobRecord {
  return {
    jobId: row.job_id,
    type: row.type,
    agentId: row.agent_id,
    instance: row.instance,
    args: parseJson(row.args_json),
    argsJson: row.args_json,
    state: row.state as JobState,
    createdAt: toDate(row.created_at),
    sentAt: toDateOrNull(row.sent_at),
    startedAt: toDateOrNull(row.started_at),
    finishedAt: toDateOrNull(row.finished_at),
    timeoutMs: row.timeout_ms,
    deadlineAt: toDateOrNull(row.deadline_at),
    errorCode: row.error_code,
    errorMessage: row.error_message,
    errorHint: row.error_hint,
    resultJson: row.result_json,
    phase: row.phase,
    done: row.done,
    total: row.total,
  };
}

function jobNotFound(jobId: string): RedbackError {
  return new RedbackError('NOT_FOUND', `no job ${jobId} in the catalog`, {
    hint: 'list jobs with `redback jobs`',
    details: { jobId },
  });
}
