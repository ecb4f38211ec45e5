import { isRedbackError } from '../../shared/errors/index.js';
import type { AgentConfig, InstanceConfig } from '../../shared/config/agent-config.js';
import type { AgentContext } from '../agent-context.js';
import { agentCommand, findInstance } from '../agent-context.js';
import { ensureDailyCopy, takeSnapshot } from '../snapshot/take-snapshot.js';
import { withInstance } from '../store/instance-guard.js';
import { checkTrap } from '../recovery/trap-guard.js';
import { CoordinatorLink } from '../session/coordinator-link.js';
import { InstanceWatch } from '../state/instance-watch.js';
import { ScheduleCache, type CachedSchedule } from '../session/schedule-cache.js';
import { InstanceQueue } from './instance-queue.js';
import { ArchiveSupervisor } from '../archive/archive-supervisor.js';
import { ScheduleRunner, type InstanceSchedule, type ScheduleKind } from './schedule-runner.js';

/** The schedules written in the agent's own config (used until a coordinator sends others). */
export function schedulesFromConfig(config: AgentConfig): InstanceSchedule[] {
  return config.instances.map((instance: InstanceConfig) => ({
    instance: instance.name,
    hourly: instance.schedules?.hourly !== undefined ? instance.schedules.hourly : config.schedules.hourly,
    daily: instance.schedules?.daily !== undefined ? instance.schedules.daily : config.schedules.daily,
    timeZone: instance.timezone ?? config.timezone,
  }));
}

export interface ScheduledRunRecord {
  instance: string;
  kind: ScheduleKind;
  startedAt: string;
  finishedAt: string;
  ok: boolean;
  copyId?: string;
  error?: { code: string; message: string };
}

/**
 * The long-running agent: cleans up after a killed run, then takes the scheduled copies of every
 * instance (one operation per instance at a time) until stopped. With a coordinator configured it
 * also keeps a session to it (CoordinatorLink), runs the fleet's schedule, executes its jobs, and
 * goes on with the cached schedule whenever the coordinator is unreachable.
 */
export class AgentDaemon {
  readonly queue = new InstanceQueue();
  readonly schedules: ScheduleRunner;
  private stopping = false;
  private link: CoordinatorLink | null = null;
  private readonly scheduleCache: ScheduleCache;
  /** Remembers each instance's key counts, so a recovery can tell how much data there was. */
  private readonly watch: InstanceWatch;
  private readonly listeners: Array<(record: ScheduledRunRecord) => void> = [];
  /** Continuous AOF archiving of the instances that ask for it (agent/archive). */
  readonly archives: ArchiveSupervisor;

  constructor(readonly ctx: AgentContext) {
    this.archives = new ArchiveSupervisor(ctx);
    this.schedules = new ScheduleRunner((instance, kind) => void this.runScheduled(instance, kind), ctx.logger);
    this.scheduleCache = new ScheduleCache(ctx.layout.agentStateDir());
    this.watch = new InstanceWatch(ctx, { intervalMs: 30_000 });
  }

  async start(): Promise<void> {
    await this.cleanupAfterKilledRuns();
    await this.warnAboutTraps();
    this.watch.start();
    if (this.ctx.config.coordinator) {
      // The fleet's schedule, cached from the last session, wins over the config's own.
      const cached = await this.scheduleCache.load();
      if (cached) this.applyFleetSchedule(cached);
      else this.schedules.apply(schedulesFromConfig(this.ctx.config));
      const link = new CoordinatorLink(
        this.ctx,
        this.queue,
        {
          onSchedule: async (schedule) => {
            await this.scheduleCache.save(schedule);
            this.applyFleetSchedule(schedule);
          },
        },
        this.ctx.logger,
      );
      this.link = link;
      this.onRun(() => void link.sendCopyChanges().catch(() => undefined));
      link.start();
    } else {
      this.schedules.apply(schedulesFromConfig(this.ctx.config));
    }
    void this.archives.reconcile();
    this.ctx.logger.info(
      { instances: this.ctx.config.instances.map((i) => i.name), backupDir: this.ctx.config.backupDir, coordinator: this.ctx.config.coordinator?.address ?? null },
      'agent started',
    );
  }

  /**
   * The AOF trap (appendonly yes, AOF gone, an RDB or copies present): never started by redback,
   * and said loudly at start so whoever restarts Redis by hand sees it first.
   */
  private async warnAboutTraps(): Promise<void> {
    for (const instance of this.ctx.config.instances) {
      try {
        const trap = await checkTrap(this.ctx, instance);
        if (trap) {
          this.ctx.logger.error(
            { instance: instance.name, reason: trap.reason, hint: trap.hint },
            `AOF TRAP on ${instance.name}: ${trap.message} — do not start this Redis; run: ${agentCommand(this.ctx, 'recover', `--instance ${instance.name}`)}`,
          );
        }
      } catch (err) {
        this.ctx.logger.warn({ instance: instance.name, err: (err as Error).message }, 'trap check skipped');
      }
    }
  }

  /** Runs the coordinator's schedule (and retention) for the instances it covers; the config's for the rest. */
  private applyFleetSchedule(schedule: CachedSchedule): void {
    const names = new Set(this.ctx.config.instances.map((i) => i.name));
    this.ctx.fleet = new Map(schedule.instances.filter((s) => names.has(s.instance)).map((s) => [s.instance, s]));
    const fromConfig = schedulesFromConfig(this.ctx.config).filter((s) => !this.ctx.fleet.has(s.instance));
    this.schedules.apply([...this.ctx.fleet.values(), ...fromConfig]);
    void this.archives.reconcile();
    this.ctx.logger.info({ version: schedule.version, instances: [...this.ctx.fleet.keys()] }, 'fleet schedule applied');
  }

  /** Called with every scheduled run's outcome (the coordinator session reports them). */
  onRun(listener: (record: ScheduledRunRecord) => void): void {
    this.listeners.push(listener);
  }

  /** Removes temp files of copies a killed run left behind, for every instance not in use. */
  async cleanupAfterKilledRuns(): Promise<void> {
    for (const instance of this.ctx.config.instances) {
      try {
        await withInstance(this.ctx, instance.name, 'cleanup', async () => undefined);
      } catch (err) {
        this.ctx.logger.warn({ instance: instance.name, err: (err as Error).message }, 'cleanup skipped');
      }
    }
  }

  async runScheduled(instanceName: string, kind: ScheduleKind): Promise<ScheduledRunRecord> {
    const startedAt = new Date().toISOString();
    const record = await this.queue.run(instanceName, async (): Promise<ScheduledRunRecord> => {
      if (this.stopping) return { instance: instanceName, kind, startedAt, finishedAt: startedAt, ok: false, error: { code: 'CANCELLED', message: 'agent stopping' } };
      const instance = findInstance(this.ctx.config, instanceName);
      try {
        const manifest =
          kind === 'hourly'
            ? (await takeSnapshot(this.ctx, instance, { tier: 'hourly' })).manifest
            : (await ensureDailyCopy(this.ctx, instance)).manifest;
        this.ctx.logger.info({ instance: instanceName, kind, copy: manifest.id, bytes: manifest.bytes }, 'scheduled copy done');
        return { instance: instanceName, kind, startedAt, finishedAt: new Date().toISOString(), ok: true, copyId: manifest.id };
      } catch (err) {
        const code = isRedbackError(err) ? err.code : 'INTERNAL';
        const message = (err as Error).message;
        this.ctx.logger.error({ instance: instanceName, kind, code, err: message, hint: isRedbackError(err) ? err.hint : undefined }, 'scheduled copy failed');
        return { instance: instanceName, kind, startedAt, finishedAt: new Date().toISOString(), ok: false, error: { code, message } };
      }
    });
    for (const listener of this.listeners) listener(record);
    return record;
  }

  /** Stops the schedules and waits for work in progress to finish. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.watch.stop();
    await this.archives.stop();
    await this.link?.stop();
    await this.schedules.stop();
    await this.queue.drain();
    this.ctx.logger.info('agent stopped');
  }
}
