import cron from 'node-cron';
import type { AgentRecord, DrillRecord, InstanceRecord, JobRecord } from '../catalog/index.js';
import type { CoordinatorState } from '../coordinator-state.js';
import { livenessOf, type Liveness } from '../fleet/liveness.js';
import { policyViews, type InstancePolicyView } from '../policy/policy-views.js';

export interface AgentView {
  agentId: string;
  hostname: string;
  liveness: Liveness;
  lastHeardAt: Date | null;
  heartbeatAgeSeconds: number | null;
  agentVersion: string;
  protocolVersion: number;
  backupFreeBytes: number | null;
  instances: string[];
  connectedSince: Date | null;
}

export interface InstanceView {
  record: InstanceRecord;
  agentLiveness: Liveness;
  protected: boolean;
  /** How old the newest copy may be while the instance counts as protected. */
  windowMs: number;
  /** Newest complete offsite set (null: none, or offsite is not configured). */
  newestOffsiteAt: Date | null;
  problems: string[];
  /** The newest restore drill of the instance, and the newest that passed (null: none). */
  lastDrill: DrillRecord | null;
  lastDrillSuccess: DrillRecord | null;
}

export interface FleetStatus {
  generatedAt: Date;
  agents: AgentView[];
  instances: InstanceView[];
  silentAgents: AgentView[];
  unprotected: InstanceView[];
  /** Every instance with a problem (unprotected ones included). */
  problemInstances: InstanceView[];
  /** Fleet-level problems: e.g. second sessions refused for a connected agent id. */
  problems: string[];
  failedJobs: JobRecord[];
  /** Instances whose persistence settings differ from their policy (a warning; not unhealthy). */
  policyDrift: InstancePolicyView[];
  healthy: boolean;
}

const HOUR = 3600_000;
/** A refused second session stays a problem in `status` this long after the last attempt. */
const DUPLICATE_WINDOW_MS = 15 * 60_000;

const intervalCache = new Map<string, number | null>();

/** How often a cron fires (the largest gap among its next runs); null when it never does. Cached. */
export function cronIntervalMs(expression: string, timeZone: string): number | null {
  const key = `${expression}@${timeZone}`;
  if (intervalCache.has(key)) return intervalCache.get(key)!;
  const value = computeInterval(expression, timeZone);
  intervalCache.set(key, value);
  return value;
}

function computeInterval(expression: string, timeZone: string): number | null {
  const task = cron.createTask(expression, () => undefined, { timezone: timeZone });
  try {
    const runs = task.getNextRuns(4);
    if (runs.length < 2) return null;
    let gap = 0;
    for (let i = 1; i < runs.length; i++) gap = Math.max(gap, runs[i]!.getTime() - runs[i - 1]!.getTime());
    return gap;
  } finally {
    void task.destroy();
  }
}

export function agentViews(state: CoordinatorState, now = new Date()): AgentView[] {
  return state.catalog.listAgents().map((a: AgentRecord) => {
    const live = state.sessions.get(a.agentId);
    const lastHeard = live?.lastHeardAt ?? a.lastHeartbeatAt ?? a.lastSeenAt;
    return {
      agentId: a.agentId,
      hostname: a.hostname,
      liveness: livenessOf(lastHeard, live !== undefined, now, state.liveness),
      lastHeardAt: lastHeard,
      heartbeatAgeSeconds: lastHeard ? (now.getTime() - lastHeard.getTime()) / 1000 : null,
      agentVersion: a.agentVersion,
      protocolVersion: a.protocolVersion,
      backupFreeBytes: a.backupFreeBytes,
      instances: a.instances,
      connectedSince: live ? live.connectedAt : null,
    };
  });
}

/**
 * What on-call asks first: which agents are silent, which instances have no valid copy within
 * their schedule (the newest copy is older than two schedule periods plus slack, or there is none),
 * and which jobs failed in the last day without a later success.
 */
/** Every current instance with whether it is protected, and its problems (read by status and metrics). */
export function instanceViews(state: CoordinatorState, now = new Date(), agents: AgentView[] = agentViews(state, now)): InstanceView[] {
  const liveness = new Map(agents.map((a) => [a.agentId, a.liveness]));
  const offsite = state.offsite ? state.catalog.offsite.newestComplete() : null;
  const offsiteWindowMs = state.offsite?.config.catchUpAfter ?? 26 * HOUR;
  const drills = state.catalog.drills.latest();
  const drillSuccesses = state.catalog.drills.lastSuccess();
  return state.catalog.listInstances().map((record) => {
    const schedule = state.schedules.scheduleOf(record.agentId, record.name);
    const periods = [schedule?.hourlyCron, schedule?.dailyCron]
      .filter((c): c is string => !!c)
      .map((c) => cronIntervalMs(c, schedule!.timeZone))
      .filter((ms): ms is number => ms !== null);
    const period = periods.length ? Math.min(...periods) : 24 * HOUR;
    const windowMs = 2 * period + Math.max(60_000, period / 10);
    const problems: string[] = [];
    const newest = record.newestAnyAt;
    if (!newest) problems.push('no valid copy yet');
    else if (now.getTime() - newest.getTime() > windowMs) problems.push(`newest copy is ${Math.round((now.getTime() - newest.getTime()) / 60_000)} min old (schedule allows ${Math.round(windowMs / 60_000)} min)`);
    if (record.up === false) problems.push(`redis is down${record.healthError ? `: ${record.healthError}` : ''}`);
    if (record.aofTrap === true) {
      problems.push(`AOF trap: starting this Redis would lose its data; run: redback agent recover --instance ${record.name} (on ${record.agentId})`);
    }
    const loadingTooLongMs = state.config.status.loadingTooLong;
    if (record.loading === true && (record.loadingSeconds ?? 0) * 1000 >= loadingTooLongMs) {
      problems.push(`loading its dataset for ${Math.round(record.loadingSeconds ?? 0)} s (more than ${Math.round(loadingTooLongMs / 1000)} s)`);
    }
    if (record.rdbLastBgsaveStatus === 'err') problems.push('last BGSAVE failed (Redis may refuse writes)');
    if (record.aofLastWriteStatus === 'err') problems.push('last AOF write failed (Redis may refuse writes)');
    const newestOffsiteAt = offsite?.get(`${record.agentId}/${record.name}`) ?? null;
    // Once offsite is configured, an instance without a recent complete set is not protected (S7).
    let offsiteOk = true;
    if (offsite) {
      if (!newestOffsiteAt) offsiteOk = false;
      else if (now.getTime() - newestOffsiteAt.getTime() > offsiteWindowMs) offsiteOk = false;
      if (!offsiteOk) {
        problems.push(
          newestOffsiteAt
            ? `newest offsite set is ${Math.round((now.getTime() - newestOffsiteAt.getTime()) / 3600_000)} h old (allowed ${Math.round(offsiteWindowMs / 3600_000)} h)`
            : 'no complete offsite set',
        );
      }
    }
    return {
      record,
      agentLiveness: liveness.get(record.agentId) ?? 'offline',
      protected: newest !== null && now.getTime() - newest.getTime() <= windowMs && offsiteOk,
      windowMs,
      newestOffsiteAt,
      problems,
      lastDrill: drills.get(`${record.agentId}/${record.name}`) ?? null,
      lastDrillSuccess: drillSuccesses.get(`${record.agentId}/${record.name}`) ?? null,
    };
  });
}

export function fleetStatus(state: CoordinatorState, now = new Date()): FleetStatus {
  const agents = agentViews(state, now);
  const instances = instanceViews(state, now, agents);
  const failedJobs = state.catalog
    .failedJobsSince(new Date(now.getTime() - 24 * HOUR))
    .filter((job) => {
      const later = state.catalog.listJobs({ instance: job.instance, state: 'succeeded', limit: 20 });
      return !later.some((s) => s.type === job.type && s.agentId === job.agentId && s.createdAt > job.createdAt);
    });
  const silentAgents = agents.filter((a) => a.liveness !== 'online');
  const unprotected = instances.filter((i) => !i.protected);
  const problemInstances = instances.filter((i) => !i.protected || i.problems.length > 0);
  const problems = state.sessions.duplicatesSince(new Date(now.getTime() - DUPLICATE_WINDOW_MS)).map(
    (d) =>
      `agent ${d.agentId}: ${d.count} second session(s) refused while it was connected (last ${Math.round((now.getTime() - d.lastAt.getTime()) / 1000)} s ago${d.lastPeer ? ` from ${d.lastPeer}` : ''}): two agents may share this id; give each its own agentId and token (auth.agentTokens)`,
  );
  return {
    generatedAt: now,
    agents,
    instances,
    silentAgents,
    unprotected,
    problemInstances,
    problems,
    failedJobs,
    policyDrift: policyViews(state.config.policies, state.persistence, instances.map((i) => ({ agentId: i.record.agentId, name: i.record.name }))).filter((v) => v.drift === true),
    healthy: silentAgents.length === 0 && problemInstances.length === 0 && failedJobs.length === 0 && problems.length === 0,
  };
}
