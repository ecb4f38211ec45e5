import { createHash } from 'node:crypto';
import type { CoordinatorConfig } from '../../shared/config/coordinator-config.js';
import type { Logger } from '../../shared/log/logger.js';
import type { Catalog } from '../catalog/index.js';
import type { ScheduleEntry } from '../fleet/session-messages.js';
import type { SessionRegistry } from '../fleet/session-registry.js';
import { buildFleetSchedule, type FleetMember, type ResolvedSchedule } from './fleet-schedule.js';

/**
 * Owns the fleet's schedule: the (staggered) schedule of every instance the fleet has, and sends
 * each connected agent its own part whenever that part changes. Agents cache what they get and keep
 * running it while the coordinator is away.
 *
 * The member list lives in memory (loaded from the catalog at start). A Hello that brings no new
 * instances just gets the current schedule; one that changes the fleet triggers a recomputation,
 * debounced so that a thousand agents reconnecting at once cost one.
 */
export class SchedulePusher {
  /** agentId → its instance names. */
  private readonly members = new Map<string, Set<string>>();
  private current = new Map<string, { schedules: ResolvedSchedule[]; entries: ScheduleEntry[]; version: string }>();
  private readonly sentVersion = new Map<string, string>();
  private pending: NodeJS.Timeout | null = null;

  constructor(
    private readonly catalog: Catalog,
    private readonly sessions: SessionRegistry,
    private readonly settings: CoordinatorConfig['schedules'],
    private readonly logger: Logger,
    private readonly debounceMs = 1000,
    /** Whether the instance's policy asks for continuous AOF archiving (sent with its schedule). */
    private readonly archiveOf: (agentId: string, instance: string) => boolean = () => false,
  ) {}

  /** Loads the fleet from the catalog and computes its schedule. */
  init(): void {
    for (const i of this.catalog.listInstances()) {
      const set = this.members.get(i.agentId) ?? new Set<string>();
      set.add(i.name);
      this.members.set(i.agentId, set);
    }
    this.recompute();
  }

  /** An agent (re)connected with these instances: update the fleet and send the agent its schedule. */
  agentConnected(agentId: string, instances: readonly string[]): void {
    this.sentVersion.delete(agentId);
    const known = this.members.get(agentId);
    const changed = !known || known.size !== instances.length || instances.some((name) => !known.has(name));
    if (changed) {
      this.members.set(agentId, new Set(instances));
      this.scheduleRecompute();
    } else {
      this.push(agentId);
    }
  }

  /** The agent was forgotten: its instances leave the fleet schedule. */
  removeAgent(agentId: string): void {
    this.sentVersion.delete(agentId);
    if (this.members.delete(agentId)) this.scheduleRecompute();
  }

  private scheduleRecompute(): void {
    if (this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = null;
      this.recompute();
    }, this.debounceMs);
  }

  /** Recomputes the whole fleet's schedule and pushes changed parts to connected agents. */
  recompute(): void {
    const members: FleetMember[] = [];
    for (const [agentId, names] of this.members) for (const instance of names) members.push({ agentId, instance });
    const { schedules, warnings } = buildFleetSchedule(members, this.settings);
    for (const warning of warnings) this.logger.warn({ warning }, 'fleet schedule');
    const byAgent = new Map<string, ResolvedSchedule[]>();
    for (const s of schedules) {
      const list = byAgent.get(s.agentId);
      if (list) list.push(s);
      else byAgent.set(s.agentId, [s]);
    }
    this.current = new Map(
      [...byAgent].map(([agentId, list]) => {
        const entries = list.map((s) => ({ ...toEntry(s), ...(this.archiveOf(s.agentId, s.instance) ? { archive: true } : {}) }));
        return [agentId, { schedules: list, entries, version: versionOf(entries) }];
      }),
    );
    for (const session of this.sessions.all()) this.push(session.agentId);
  }

  /** The resolved schedule of one instance (for status: how often it should have a copy). */
  scheduleOf(agentId: string, instance: string): ResolvedSchedule | undefined {
    return this.current.get(agentId)?.schedules.find((s) => s.instance === instance);
  }

  /** Sends an agent its schedule unless it already has this exact one. */
  push(agentId: string): void {
    const session = this.sessions.get(agentId);
    const entry = this.current.get(agentId);
    if (!session || !entry) return;
    if (this.sentVersion.get(agentId) === entry.version) return;
    this.sentVersion.set(agentId, entry.version);
    session.send({ schedule: { version: Number.parseInt(entry.version.slice(0, 12), 16), instances: entry.entries } });
  }

  forget(agentId: string): void {
    this.sentVersion.delete(agentId);
  }

  stop(): void {
    if (this.pending) clearTimeout(this.pending);
    this.pending = null;
  }
}

function toEntry(s: ResolvedSchedule): ScheduleEntry {
  return {
    instance: s.instance,
    hourlyCron: s.hourlyCron ?? '',
    dailyCron: s.dailyCron ?? '',
    timezone: s.timeZone,
    retentionHourlyMs: s.retention.hourlyMs ?? 0,
    retentionDailyMs: s.retention.dailyMs ?? 0,
    retentionManualMs: s.retention.manualMs ?? 0,
  };
}

function versionOf(instances: ScheduleEntry[]): string {
  return createHash('sha256').update(JSON.stringify(instances)).digest('hex');
}
