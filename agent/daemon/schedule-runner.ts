import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../../shared/log/logger.js';

export type ScheduleKind = 'hourly' | 'daily';

/** When one instance's copies are taken. A null cron turns that tier's schedule off. */
export interface InstanceSchedule {
  instance: string;
  hourly: string | null;
  daily: string | null;
  timeZone: string;
}

/**
 * Owns the cron tasks of the agent. `apply()` replaces the whole set (the config at start, later a
 * schedule pushed by the coordinator); unchanged entries keep their tasks.
 */
export class ScheduleRunner {
  private readonly tasks = new Map<string, { spec: string; task: ScheduledTask }>();

  constructor(
    private readonly fire: (instance: string, kind: ScheduleKind) => void,
    private readonly logger: Logger,
  ) {}

  apply(schedules: readonly InstanceSchedule[]): void {
    const wanted = new Map<string, { cron: string; timeZone: string; instance: string; kind: ScheduleKind }>();
    for (const s of schedules) {
      for (const kind of ['hourly', 'daily'] as const) {
        const expr = s[kind];
        if (expr) wanted.set(`${s.instance}/${kind}`, { cron: expr, timeZone: s.timeZone, instance: s.instance, kind });
      }
    }
    for (const [key, entry] of this.tasks) {
      const want = wanted.get(key);
      if (!want || `${want.cron}@${want.timeZone}` !== entry.spec) {
        void entry.task.destroy();
        this.tasks.delete(key);
      }
    }
    for (const [key, want] of wanted) {
      if (this.tasks.has(key)) continue;
      const task = cron.schedule(want.cron, () => this.fire(want.instance, want.kind), {
        timezone: want.timeZone,
        name: key,
        noOverlap: true,
      });
      this.tasks.set(key, { spec: `${want.cron}@${want.timeZone}`, task });
      this.logger.info({ instance: want.instance, kind: want.kind, cron: want.cron, timeZone: want.timeZone, next: task.getNextRun()?.toISOString() }, 'schedule active');
    }
  }

  async stop(): Promise<void> {
    for (const { task } of this.tasks.values()) await task.destroy();
    this.tasks.clear();
  }
}
