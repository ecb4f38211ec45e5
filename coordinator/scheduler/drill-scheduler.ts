import cron, { type ScheduledTask } from 'node-cron';
import type { DrillsConfig } from '../../shared/config/drill-schema.js';
import type { Logger } from '../../shared/log/logger.js';
import type { Catalog } from '../catalog/index.js';
import type { DrillService } from '../drills/drill-service.js';

/**
 * Scheduled drills (`drills.schedule` in the coordinator config): when the cron fires, every
 * instance in `drills.instances` gets a drill job (queued for an agent that is not connected, sent
 * when it comes back). An instance whose previous drill has not ended is skipped this round.
 */
export class DrillScheduler {
  private task: ScheduledTask | null = null;
  private readonly open = new Map<string, string>();

  constructor(
    private readonly d: { catalog: Catalog; drills: DrillService; logger: Logger; config: DrillsConfig },
  ) {}

  start(): void {
    const { schedule, timezone } = this.d.config;
    if (!schedule) return;
    this.task = cron.schedule(schedule, () => this.fire(), { name: 'drills', ...(timezone ? { timezone } : {}) });
    this.d.logger.info({ schedule, instances: this.d.config.instances }, 'drill schedule started');
  }

  stop(): void {
    void this.task?.stop();
    this.task = null;
  }

  /** Whether `drills.instances` names this instance (`all`, its name, or `agent/name`). */
  inScope(agentId: string, name: string): boolean {
    const list = this.d.config.instances;
    return list === 'all' || list.includes(name) || list.includes(`${agentId}/${name}`);
  }

  /** One round: a drill job for every instance in scope without a drill still open. */
  fire(): number {
    let started = 0;
    for (const i of this.d.catalog.listInstances()) {
      if (i.removedAt !== null || !this.inScope(i.agentId, i.name)) continue;
      const key = `${i.agentId}/${i.name}`;
      const previous = this.open.get(key);
      if (previous) {
        const job = this.d.catalog.getJob(previous);
        if (!job || !['succeeded', 'failed', 'cancelled', 'timed-out'].includes(job.state)) continue;
      }
      try {
        const job = this.d.drills.trigger({ agentId: i.agentId, instance: i.name, source: this.d.config.source, ...(this.d.config.timeout ? { timeoutMs: this.d.config.timeout } : {}) });
        this.open.set(key, job.jobId);
        started++;
      } catch (err) {
        this.d.logger.warn({ instance: key, err: (err as Error).message }, 'scheduled drill not started');
      }
    }
    if (started) this.d.logger.info({ drills: started }, 'scheduled drills started');
    return started;
  }
}
