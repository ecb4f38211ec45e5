import * as grpc from '@grpc/grpc-js';
import { parseManifest } from '../../shared/manifest/copy-manifest.js';
import type { Logger } from '../../shared/log/logger.js';
import { PROTOCOL_VERSION } from '../../shared/proto/load.js';
import type { AgentMessage__Output } from '../../shared/proto/generated/redback/v1/AgentMessage.js';
import type { CoordinatorMessage } from '../../shared/proto/generated/redback/v1/CoordinatorMessage.js';
import type { CopyRecord__Output } from '../../shared/proto/generated/redback/v1/CopyRecord.js';
import type { Hello__Output } from '../../shared/proto/generated/redback/v1/Hello.js';
import { toGrpcError } from '../../shared/rpc/rpc-errors.js';
import { REDBACK_VERSION } from '../../shared/version/version.js';
import type { CopyInput } from '../catalog/index.js';
import type { CoordinatorState } from '../coordinator-state.js';
import type { LiveSession } from '../fleet/session-registry.js';

type SessionCall = grpc.ServerDuplexStream<AgentMessage__Output, CoordinatorMessage>;

/** Most messages buffered for one agent before its session is dropped (it reconnects and resyncs). */
const MAX_PENDING_WRITES = 10_000;

/**
 * The agent side of the coordinator: one bidirectional Session per connected agent. This handler
 * only decodes messages and calls the coordinator's domain objects; it holds no state of its own
 * beyond the session.
 */
export function sessionHandler(state: CoordinatorState): grpc.handleBidiStreamingCall<AgentMessage__Output, CoordinatorMessage> {
  return (call: SessionCall) => {
    const peer = call.getPeer();
    let agentId: string;
    try {
      agentId = state.auth.requireAgent(call.metadata, peer);
    } catch (err) {
      call.emit('error', toGrpcError(err));
      return;
    }
    const log = state.logger.child({ agent: agentId });
    let session: LiveSession | null = null;
    let closed = false;

    const cleanup = (why: string) => {
      if (closed) return;
      closed = true;
      if (session && state.sessions.remove(session)) {
        state.catalog.markDisconnected(agentId);
        state.schedules.forget(agentId);
        log.info({ why }, 'agent disconnected');
      }
    };

    const refuse = (code: grpc.status, details: string) => {
      state.metrics?.rejectedCall('protocol');
      log.warn({ peer, details }, 'session refused');
      call.emit('error', { code, details });
      cleanup('refused');
    };

    const onHello = (hello: Hello__Output) => {
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        refuse(
          grpc.status.FAILED_PRECONDITION,
          `agent ${agentId} speaks protocol version ${hello.protocolVersion}, this coordinator speaks ${PROTOCOL_VERSION}: upgrade the older side`,
        );
        return;
      }
      if (hello.agentId !== agentId) {
        refuse(grpc.status.PERMISSION_DENIED, `hello names agent "${hello.agentId}" but the credentials are for "${agentId}"`);
        return;
      }
      state.catalog.upsertAgent({
        agentId,
        hostname: hello.hostname,
        agentVersion: hello.agentVersion,
        protocolVersion: hello.protocolVersion,
        transferAddress: hello.transferAddress,
        instances: hello.instances.map((i) => ({ name: i.name, address: i.address, redisVersion: i.redisVersion, role: i.role })),
      });
      const live: LiveSession = {
        agentId,
        connectedAt: new Date(),
        lastHeardAt: new Date(),
        send: (message) => {
          if (closed) return;
          if (call.writableLength > MAX_PENDING_WRITES) {
            log.warn('agent is not reading its session; dropping it');
            call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many unread messages' });
            cleanup('backpressure');
            return;
          }
          call.write(message);
        },
        close: (reason) => {
          if (closed) return;
          call.emit('error', { code: grpc.status.ABORTED, details: reason });
          cleanup(reason);
        },
      };
      session = live;
      state.sessions.add(live);
      live.send({
        welcome: {
          protocolVersion: PROTOCOL_VERSION,
          coordinatorVersion: REDBACK_VERSION,
          heartbeatIntervalMs: state.config.heartbeat.interval,
          agentId,
        },
      });
      live.send({ offsiteConfig: { configJson: state.offsite?.targetJson ?? '' } });
      state.schedules.agentConnected(agentId, hello.instances.map((i) => i.name));
      state.jobs.dispatchOpen(agentId);
      log.info({ peer, instances: hello.instances.map((i) => i.name) }, 'agent connected');
    };

    call.on('data', (message: AgentMessage__Output) => {
      if (closed) return;
      try {
        if (!session) {
          if (message.body !== 'hello' || !message.hello) {
            refuse(grpc.status.FAILED_PRECONDITION, 'the first message of a session must be hello');
            return;
          }
          onHello(message.hello);
          return;
        }
        session.lastHeardAt = new Date();
        handleMessage(state, agentId, message, log);
      } catch (err) {
        log.error({ err: (err as Error).message, body: message.body }, 'failed to handle agent message');
      }
    });
    call.on('end', () => {
      cleanup('agent ended the session');
      call.end();
    });
    call.on('error', (err) => cleanup(`stream error: ${err.message}`));
    call.on('cancelled', () => cleanup('cancelled'));
    call.on('close', () => cleanup('closed'));
  };
}

function handleMessage(state: CoordinatorState, agentId: string, message: AgentMessage__Output, log: Logger): void {
  switch (message.body) {
    case 'heartbeat': {
      const hb = message.heartbeat!;
      state.metrics?.heartbeatReceived();
      state.heartbeats.add({
        agentId,
        at: new Date(),
        backupFreeBytes: hb.backupFreeBytes,
        backupTotalBytes: hb.backupTotalBytes,
        instances: hb.instances.map((i) => ({
          name: i.name,
          up: i.up,
          role: i.role,
          loading: i.loading,
          dbsize: i.dbsize,
          usedMemory: i.usedMemory,
          rdbLastBgsaveStatus: i.rdbLastBgsaveStatus || null,
          rdbLastSaveTime: i.rdbLastSaveTime || null,
          aofEnabled: i.aofEnabled,
          aofLastWriteStatus: i.aofLastWriteStatus || null,
          aofLastBgrewriteStatus: i.aofLastBgrewriteStatus || null,
          error: i.error || null,
        })),
      });
      return;
    }
    case 'inventory': {
      const copies = message.inventory!.copies.map((c) => toCopyInput(c, log)).filter((c): c is CopyInput => c !== null);
      const result = state.catalog.applyInventory(agentId, copies);
      log.info({ copies: copies.length, added: result.added.length, gone: result.gone.length, revived: result.revived.length }, 'inventory applied');
      return;
    }
    case 'copyEvent': {
      const event = message.copyEvent!;
      if (!event.copy) return;
      if (event.kind === 'DELETED') {
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
      state.jobs.accepted(agentId, message.jobAccepted!.jobId);
      return;
    case 'jobProgress': {
      const p = message.jobProgress!;
      state.jobs.progress(agentId, { jobId: p.jobId, phase: p.phase, done: p.done, total: p.total, message: p.message });
      return;
    }
    case 'jobResult':
      state.jobs.result(agentId, message.jobResult!);
      return;
    case 'hello':
      log.warn('second hello on one session ignored');
      return;
    default:
      log.warn({ body: message.body }, 'unknown agent message');
  }
}

function toCopyInput(record: CopyRecord__Output, log: Logger): CopyInput | null {
  const parsed = parseManifest(record.manifestJson);
  if (!parsed.ok) {
    log.warn({ copy: record.id, instance: record.instance, reason: parsed.reason }, 'agent sent a copy with an invalid manifest; not indexed');
    return null;
  }
  return { manifest: parsed.manifest, path: parsed.manifest.path };
}
