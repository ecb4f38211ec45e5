import { RedbackError } from '../../shared/errors/index.js';
import { parseManifest } from '../../shared/manifest/copy-manifest.js';
import type { Logger } from '../../shared/log/logger.js';
import { PROTOCOL_VERSION } from '../../shared/proto/load.js';
import { REDBACK_VERSION } from '../../shared/version/version.js';
import type { CopyInput } from '../catalog/index.js';
import type { CoordinatorState } from '../coordinator-state.js';
import type { AgentHello, CopyReport, FromAgent } from './session-messages.js';
import type { LiveSession } from './session-registry.js';

/**
 * An agent's session, in domain terms (the RPC handler decodes and calls these):
 * 1. `openAgentSession` checks the Hello, records the agent, registers the session, welcomes the
 *    agent, and sends it its schedule and its open jobs;
 * 2. `handleAgentMessage` applies each later message;
 * 3. `closeAgentSession` marks the agent disconnected when its current session ends.
 */
export function openAgentSession(state: CoordinatorState, authenticatedId: string, hello: AgentHello, live: LiveSession, log: Logger): void {
  if (hello.protocolVersion !== PROTOCOL_VERSION) {
    throw new RedbackError(
      'PROTOCOL_MISMATCH',
      `agent ${authenticatedId} speaks protocol version ${hello.protocolVersion}, this coordinator speaks ${PROTOCOL_VERSION}: upgrade the older side`,
    );
  }
  if (hello.agentId !== authenticatedId) {
    throw new RedbackError('AUTH_FAILED', `hello names agent "${hello.agentId}" but the credentials are for "${authenticatedId}"`);
  }
  state.catalog.upsertAgent({
    agentId: hello.agentId,
    hostname: hello.hostname,
    agentVersion: hello.agentVersion,
    protocolVersion: hello.protocolVersion,
    transferAddress: hello.transferAddress,
    instances: hello.instances,
  });
  state.sessions.add(live);
  live.send({
    welcome: {
      protocolVersion: PROTOCOL_VERSION,
      coordinatorVersion: REDBACK_VERSION,
      heartbeatIntervalMs: state.config.heartbeat.interval,
      agentId: hello.agentId,
    },
  });
  state.schedules.agentConnected(hello.agentId, hello.instances.map((i) => i.name));
  state.jobs.dispatchOpen(hello.agentId);
  log.info({ instances: hello.instances.map((i) => i.name) }, 'agent connected');
}

/** The session ended: returns true when it was the agent's current one (the agent is now disconnected). */
export function closeAgentSession(state: CoordinatorState, session: LiveSession): boolean {
  if (!state.sessions.remove(session)) return false;
  state.catalog.markDisconnected(session.agentId);
  state.schedules.forget(session.agentId);
  return true;
}

export function handleAgentMessage(state: CoordinatorState, agentId: string, message: FromAgent, log: Logger): void {
  switch (message.kind) {
    case 'heartbeat': {
      const hb = message.heartbeat;
      state.metrics?.heartbeatReceived();
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
      return;
    }
    case 'inventory': {
      const copies = message.inventory.copies.map((c) => toCopyInput(c, log)).filter((c): c is CopyInput => c !== null);
      const result = state.catalog.applyInventory(agentId, copies);
      log.info({ copies: copies.length, added: result.added.length, gone: result.gone.length, revived: result.revived.length }, 'inventory applied');
      return;
    }
    case 'copyEvent': {
      const event = message.event;
      if (event.kind === 'deleted') {
        state.catalog.recordCopyDeleted(agentId, event.copy.instance, event.copy.id);
        return;
      }
      const copy = toCopyInput(event.copy, log);
      if (!copy) return;
      state.catalog.recordCopyCreated(agentId, copy.manifest, copy.path);
      state.metrics?.observeBackup({ agentId, instance: copy.manifest.instance, tier: copy.manifest.tier, bytes: copy.manifest.bytes, durationSeconds: null });
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

function toCopyInput(record: CopyReport, log: Logger): CopyInput | null {
  const parsed = parseManifest(record.manifestJson);
  if (!parsed.ok) {
    log.warn({ copy: record.id, instance: record.instance, reason: parsed.reason }, 'agent sent a copy with an invalid manifest; not indexed');
    return null;
  }
  return { manifest: parsed.manifest, path: parsed.manifest.path };
}
