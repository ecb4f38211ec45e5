import { RedbackError } from '../../shared/errors/index.js';
import type { Logger } from '../../shared/log/logger.js';
import { PROTOCOL_VERSION } from '../../shared/proto/load.js';
import { REDBACK_VERSION } from '../../shared/version/version.js';
import type { CopyInput } from '../catalog/index.js';
import type { CoordinatorState } from '../coordinator-state.js';
import { checkCopy, checkHeartbeat, checkHello, type ValidationSettings } from './report-validation.js';
import type { AgentHello, FromAgent, InventoryPart } from './session-messages.js';
import type { LiveSession } from './session-registry.js';

/**
 * An agent's session, in domain terms (the RPC handler decodes and calls these):
 * 1. `openAgentSession` checks the Hello, records the agent, registers the session, welcomes the
 *    agent, and sends it its schedule and its open jobs;
 * 2. `handleAgentMessage` applies each later message;
 * 3. `closeAgentSession` marks the agent disconnected when its current session ends.
 */
export function openAgentSession(state: CoordinatorState, authenticatedId: string, hello: AgentHello, live: LiveSession, log: Logger, peer = ''): void {
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    throw new RedbackError(
      'PROTOCOL_MISMATCH',
      `agent ${authenticatedId} speaks protocol version ${hello.protocolVersion}, this coordinator speaks ${PROTOCOL_VERSION}: upgrade the older side`,
    );
  }
  if (hello.agentId !== authenticatedId) {
    throw new RedbackError('AUTH_FAILED', `hello names agent "${hello.agentId}" but the credentials are for "${authenticatedId}"`);
  }
  const helloProblem = checkHello(hello);
  if (helloProblem) throw new RedbackError('USAGE', `agent ${hello.agentId} sent an invalid hello: ${helloProblem}`, { hint: "check the agent's config" });
  if (!state.sessions.add(live, peer)) {
    state.metrics?.duplicateSession(hello.agentId);
    log.error({ peer }, 'refused a second session for a connected agent id: two agents may share this id');
    throw new RedbackError('SESSION_EXISTS', `agent ${hello.agentId} is already connected; a second session for one id is refused`, {
      hint: 'give every agent its own agentId (and its own token in auth.agentTokens); if the old agent is gone, its session ends within a minute',
    });
  }
  try {
    state.catalog.upsertAgent({
      agentId: hello.agentId,
      hostname: hello.hostname,
      agentVersion: hello.agentVersion,
      protocolVersion: hello.protocolVersion,
      transferAddress: hello.transferAddress,
      instances: hello.instances,
    });
    live.announced = new Set(hello.instances.map((i) => i.name));
    live.send({
      welcome: {
        protocolVersion: PROTOCOL_VERSION,
        coordinatorVersion: REDBACK_VERSION,
        heartbeatIntervalMs: state.config.heartbeat.interval,
        agentId: hello.agentId,
      },
    });
    live.send({ offsiteConfig: { configJson: state.offsite?.targetJson ?? '' } });
    state.schedules.agentConnected(hello.agentId, hello.instances.map((i) => i.name));
    state.jobs.dispatchOpen(hello.agentId);
  } catch (err) {
    // Never leave a half-opened session registered: it would refuse the agent's next one.
    state.sessions.remove(live);
    throw err;
  }
  log.info({ instances: hello.instances.map((i) => i.name) }, 'agent connected');
}

/** The session ended: returns true when it was the agent's current one (the agent is now disconnected). */
export function closeAgentSession(state: CoordinatorState, session: LiveSession): boolean {
  if (!state.sessions.remove(session)) return false;
  state.catalog.markDisconnected(session.agentId);
  state.schedules.forget(session.agentId);
  return true;
}

/** Per session: the inventory being received in parts, and how many copies the agent holds. */
interface SessionCopies {
  pending: CopyInput[] | null;
  rejected: number;
  count: number;
}
const copiesOf = new WeakMap<LiveSession, SessionCopies>();

function validation(state: CoordinatorState): ValidationSettings {
  return { clockSkewMs: state.config.limits.clockSkew };
}

export function handleAgentMessage(state: CoordinatorState, session: LiveSession, message: FromAgent, log: Logger): void {
  const { agentId } = session;
  switch (message.kind) {
    case 'heartbeat': {
      state.metrics?.heartbeatReceived();
      const checked = checkHeartbeat(message.heartbeat, session.announced, new Date(), validation(state));
      if (checked.rejected.length) {
        state.metrics?.rejectedReport('heartbeat', checked.rejected.length);
        log.warn({ rejected: checked.rejected.slice(0, 10) }, 'heartbeat entries rejected');
      }
      const hb = checked.heartbeat;
      if (!hb) return;
      state.heartbeats.add({
        agentId,
        at: new Date(),
        backupFreeBytes: hb.backupFreeBytes,
        backupTotalBytes: hb.backupTotalBytes,
        instances: hb.instances,
      });
      const reported = new Map((hb.persistence ?? []).map((p) => [p.name, p]));
      for (const i of hb.instances) {
        const p = reported.get(i.name);
        if (p) state.persistence.record(agentId, i.name, { settings: p.settings, configFile: p.configFile, reportedAt: new Date() });
        else state.persistence.forget(agentId, i.name);
      }
      const archived = new Map((hb.archives ?? []).map((a) => [a.name, a.report]));
      for (const i of hb.instances) {
        const a = archived.get(i.name);
        if (a) state.archives.record(agentId, i.name, { ...a, reportedAt: new Date() });
        else state.archives.forget(agentId, i.name);
        // The recovery window (archive spans + nightly sets) is kept in the catalog.
        const spans = a ? a.coverage.filter((c) => c.fromTs !== null && c.toTs !== null).map((c) => ({ from: c.fromTs!, to: c.toTs!, epoch: c.epoch })) : null;
        try {
          state.catalog.windows.update(agentId, i.name, spans);
        } catch (err) {
          log.warn({ agentId, instance: i.name, err: (err as Error).message }, 'recovery window not stored');
        }
      }
      return;
    }
    case 'inventory':
      receiveInventory(state, session, message.inventory, log);
      return;
    case 'copyEvent': {
      const event = message.event;
      const copies = copiesOf.get(session) ?? { pending: null, rejected: 0, count: 0 };
      copiesOf.set(session, copies);
      if (event.kind === 'deleted') {
        if (!session.announced.has(event.copy.instance)) return;
        if (state.catalog.recordCopyDeleted(agentId, event.copy.instance, event.copy.id)) copies.count = Math.max(0, copies.count - 1);
        return;
      }
      const checked = checkCopy(event.copy, session.announced, new Date(), validation(state));
      if (!checked.ok) {
        state.metrics?.rejectedReport('copy', 1);
        log.warn({ copy: event.copy.id.slice(0, 80), instance: event.copy.instance.slice(0, 80), reason: checked.reason }, 'copy event rejected; not indexed');
        return;
      }
      if (copies.count >= state.config.limits.maxCopiesPerAgent) {
        state.metrics?.rejectedReport('copy', 1);
        log.error({ limit: state.config.limits.maxCopiesPerAgent }, 'agent reports more copies than limits.maxCopiesPerAgent; copy not indexed');
        return;
      }
      const { manifest, path } = checked.value;
      if (state.catalog.recordCopyCreated(agentId, manifest, path) === 'added') copies.count++;
      state.metrics?.observeBackup({
        agentId,
        instance: manifest.instance,
        tier: manifest.tier,
        bytes: manifest.bytes,
        durationSeconds: event.durationSeconds > 0 ? event.durationSeconds : null,
      });
      return;
    }
    case 'jobAccepted':
      state.jobs.accepted(agentId, message.jobId);
      return;
    case 'jobProgress':
      state.jobs.progress(agentId, message.progress);
      return;
    case 'jobResult':
      state.jobs.result(agentId, message.result);
      return;
    case 'hello':
      log.warn('second hello on one session ignored');
      return;
    default:
      log.warn({ body: message.body }, 'unknown agent message');
  }
}

/**
 * An inventory arrives whole (part 0 of 0) or in parts 1..n; it is applied when complete, so the
 * catalog never marks a copy gone because its part has not arrived yet. Every copy is validated;
 * at most limits.maxCopiesPerAgent are indexed.
 */
function receiveInventory(state: CoordinatorState, session: LiveSession, part: InventoryPart, log: Logger): void {
  const copies = copiesOf.get(session) ?? { pending: null, rejected: 0, count: 0 };
  copiesOf.set(session, copies);
  if (part.part <= 1 || copies.pending === null) {
    copies.pending = [];
    copies.rejected = 0;
  }
  const limit = state.config.limits.maxCopiesPerAgent;
  const now = new Date();
  const reasons: string[] = [];
  for (const report of part.copies) {
    const checked = checkCopy(report, session.announced, now, validation(state));
    if (!checked.ok) {
      copies.rejected++;
      if (reasons.length < 10) reasons.push(`${report.instance.slice(0, 80)}/${report.id.slice(0, 80)}: ${checked.reason}`);
      continue;
    }
    if (copies.pending.length >= limit) {
      copies.rejected++;
      continue;
    }
    copies.pending.push(checked.value);
  }
  if (reasons.length) log.warn({ rejected: reasons }, 'inventory entries rejected; not indexed');
  if (part.parts > 0 && part.part < part.parts) return;
  const listed = copies.pending;
  copies.pending = null;
  if (copies.rejected > 0) {
    state.metrics?.rejectedReport('copy', copies.rejected);
    if (listed.length >= limit) log.error({ limit, rejected: copies.rejected }, 'agent reports more copies than limits.maxCopiesPerAgent; the rest are not indexed');
  }
  const result = state.catalog.applyInventory(session.agentId, listed);
  copies.count = listed.length;
  log.info(
    { copies: listed.length, rejected: copies.rejected, parts: part.parts, added: result.added.length, gone: result.gone.length, revived: result.revived.length },
    'inventory applied',
  );
}
