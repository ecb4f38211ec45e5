import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../../shared/fs/durable.js';
import type { InstanceSchedule } from '../daemon/schedule-runner.js';

/** One instance's schedule as the coordinator sent it, retention included (ms; null = no limit). */
export interface FleetInstanceSchedule extends InstanceSchedule {
  retention: { hourlyMs: number | null; dailyMs: number | null; manualMs: number | null };
  /** The instance's policy asks for continuous AOF archiving (interval 0 = the default 10 s). */
  archive?: boolean;
  archiveIntervalMs?: number;
}

export interface CachedSchedule {
  version: number;
  receivedAt: string;
  instances: FleetInstanceSchedule[];
}

/**
 * The last schedule the coordinator sent, kept on disk so the agent keeps the fleet's schedule
 * (not just its own config's) while the coordinator is unreachable, including across restarts.
 */
export class ScheduleCache {
  readonly path: string;

  constructor(agentStateDir: string) {
    this.path = join(agentStateDir, 'schedule.json');
  }

  async load(): Promise<CachedSchedule | null> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as CachedSchedule;
    } catch {
      return null;
    }
  }

  async save(schedule: CachedSchedule): Promise<void> {
    await ensureDir(join(this.path, '..'));
    await writeFileAtomic(this.path, JSON.stringify(schedule, null, 2) + '\n');
  }
}
