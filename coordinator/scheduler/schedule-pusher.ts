import { createHash } from 'node:crypto';
import type { CoordinatorConfig } from '../../shared/config/coordinator-config.js';
import type { Logger } from '../../shared/log/logger.js';
import type { InstanceSchedule } from '../../shared/proto/generated/redback/v1/InstanceSchedule.js';
import type { Catalog } from '../catalog/index.js';
import type { SessionRegistry } from '../fleet/session-registry.js';
import { buildFleetSchedule, type ResolvedSchedule } from './fleet-schedule.js';

/**
 * Owns the fleet's schedule: computes it (staggered) over every instance the catalog knows, and
 * sends each connected agent its own part whenever that part changes. Agents cache what they get
 * and keep running it while the coordinator is away.
 */
export class SchedulePusher {
  private current = new Map<string, ResolvedSchedule[]>();
  private sentVersion = new Map<string, string>();

  constructor(
    private readonly catalog: Catalog,
    private readonly sessions: SessionRegistry,
    private readonly settings: CoordinatorConfig['schedules'],
    private readonly logger: Logger,
  ) {}

  /** Recomputes the whole fleet's schedule and pushes changed parts to connected agents. */
  recompute(): void {
    const members = this.catalog.listInstances().map((i) => ({ agentId: i.agentId, instance: i.name }));
    const { schedules, warnings } = buildFleetSchedule(members, this.settings);
    for (const warning of warnings) this.logger.warn({ warning }, 'fleet schedule');
    const byAgent = new Map<string, ResolvedSchedule[]>();
    for (const s of schedules) byAgent.set(s.agentId, [...(byAgent.get(s.agentId) ?? []), s]);
    this.current = byAgent;
    for (const session of this.sessions.all()) this.push(session.agentId);
  }

  /** The resolved schedule of one instance (for status: how often it should have a copy). */
  scheduleOf(agentId: string, instance: string): ResolvedSchedule | undefined {
    return this.current.get(agentId)?.find((s) => s.instance === instance);
  }

  /** Sends an agent its schedule if it differs from what it last got (or `force`). */
  push(agentId: string, force = false): void {
    const session = this.sessions.get(agentId);
    if (!session) return;
    const instances = (this.current.get(agentId) ?? []).map(toProto);
    const version = versionOf(instances);
    if (!force && this.sentVersion.get(agentId) === version) return;
    this.sentVersion.set(agentId, version);
    session.send({ schedule: { version: Number.parseInt(version.slice(0, 12), 16), instances } });
  }

  forget(agentId: string): void {
    this.sentVersion.delete(agentId);
  }
}

function toProto(s: ResolvedSchedule): InstanceSchedule {
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

function versionOf(instances: InstanceSchedule[]): string {
  return createHash('sha256').update(JSON.stringify(instances)).digest('hex');
}
