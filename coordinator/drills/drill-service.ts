import type { DrillResult, DrillSourceKind } from '../../shared/drill/drill-result.js';
import { RedbackError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/logger.js';
import type { Catalog, DrillRecord, JobRecord } from '../catalog/index.js';
import type { JobManager } from '../jobs/job-manager.js';

export interface DrillRequest {
  agentId: string;
  instance: string;
  targetInstance?: string;
  backupId?: string;
  source: DrillSourceKind;
  timeoutMs?: number;
}

/**
 * Restore drills seen from the coordinator: a drill is a `drill` job on the instance's agent
 * (agent/drill/); when the job ends, whatever it ended with (its DrillResult, or only an error: a
 * timeout, a cancel, no copy to drill) becomes a row of the catalog's `drills` table, which
 * `redback instances`, the metrics and the alert read.
 */
export class DrillService {
  constructor(
    private readonly d: { catalog: Catalog; jobs: JobManager; logger: Logger },
  ) {}

  trigger(request: DrillRequest): JobRecord {
    if (request.targetInstance && request.targetInstance === request.instance) {
      throw new RedbackError('USAGE', `a drill never restores into the instance it tests (${request.instance})`, {
        hint: 'name another instance of the same agent with --target-instance, or leave it out for a scratch redis-server',
      });
    }
    if (request.targetInstance && !this.d.catalog.getInstance(request.agentId, request.targetInstance)) {
      throw new RedbackError('NOT_FOUND', `agent ${request.agentId} has no instance "${request.targetInstance}"`, {
        hint: 'a drill restores into another instance of the same agent: list them with redback instances',
      });
    }
    return this.d.jobs.create({
      type: 'drill',
      agentId: request.agentId,
      instance: request.instance,
      args: {
        source: request.source,
        ...(request.targetInstance ? { targetInstance: request.targetInstance } : {}),
        ...(request.backupId ? { backupId: request.backupId } : {}),
      },
      ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
    });
  }

  /** Records a drill job that ended (JobManager's onFinished); other jobs are ignored. */
  jobFinished(job: JobRecord): void {
    if (job.type !== 'drill') return;
    try {
      const record = drillRecordOf(job);
      this.d.catalog.drills.record(record);
      this.d.logger.info({ jobId: job.jobId, agent: job.agentId, instance: job.instance, ok: record.ok, rtoMs: record.rtoMs, err: record.error ?? undefined }, record.ok ? 'drill passed' : 'drill failed');
    } catch (err) {
      this.d.logger.error({ jobId: job.jobId, err: (err as Error).message }, 'could not record the drill');
    }
  }
}

/** The catalog row of a finished drill job: its result when the agent sent one, else what the job says. */
export function drillRecordOf(job: JobRecord): DrillRecord {
  const args = (job.args ?? {}) as { source?: string; targetInstance?: string; backupId?: string };
  let result: Partial<DrillResult> = {};
  if (job.resultJson) {
    try {
      result = JSON.parse(job.resultJson) as Partial<DrillResult>;
    } catch {
      result = {};
    }
  }
  const finishedAt = job.finishedAt ?? new Date();
  const ok = job.state === 'succeeded' && result.ok === true;
  return {
    jobId: job.jobId,
    agentId: job.agentId,
    instance: job.instance,
    targetInstance: result.targetInstance ?? args.targetInstance ?? null,
    backupId: result.backupId ?? args.backupId ?? null,
    source: (result.source ?? args.source) === 'offsite' ? 'offsite' : 'local',
    startedAt: result.startedAt ? new Date(result.startedAt) : (job.startedAt ?? job.createdAt),
    finishedAt: result.finishedAt ? new Date(result.finishedAt) : finishedAt,
    ok,
    rtoMs: typeof result.rtoMs === 'number' ? result.rtoMs : null,
    phases: result.phases ?? {},
    keysExpected: result.keysExpected ?? {},
    keysFound: result.keysFound ?? {},
    error: ok ? null : (result.error ?? job.errorMessage ?? `drill job ${job.state}`),
  };
}
