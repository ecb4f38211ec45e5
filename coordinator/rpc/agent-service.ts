import * as grpc from '@grpc/grpc-js';
import type { AgentMessage__Output } from '../../shared/proto/generated/redback/v1/AgentMessage.js';
import type { CoordinatorMessage } from '../../shared/proto/generated/redback/v1/CoordinatorMessage.js';
import { toGrpcError } from '../../shared/rpc/rpc-errors.js';
import type { CoordinatorState } from '../coordinator-state.js';
import { closeAgentSession, handleAgentMessage, openAgentSession } from '../fleet/agent-sessions.js';
import type { LiveSession } from '../fleet/session-registry.js';
import { decodeAgentMessage, encodeToAgent } from './session-codec.js';

type SessionCall = grpc.ServerDuplexStream<AgentMessage__Output, CoordinatorMessage>;

/** Most messages buffered for one agent before its session is dropped (it reconnects and resyncs). */
const MAX_PENDING_WRITES = 10_000;

/**
 * The agent side of the coordinator: one bidirectional Session per connected agent. This handler
 * authenticates, decodes each message (session-codec.ts), calls the domain (fleet/agent-sessions.ts)
 * and encodes what goes back; it holds no state beyond the session.
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
      if (session && closeAgentSession(state, session)) log.info({ why }, 'agent disconnected');
    };

    const live: LiveSession = {
      agentId,
      connectedAt: new Date(),
      lastHeardAt: new Date(),
      announced: new Set(),
      send: (message) => {
        if (closed) return;
        if (call.writableLength > MAX_PENDING_WRITES) {
          log.warn('agent is not reading its session; dropping it');
          call.emit('error', { code: grpc.status.RESOURCE_EXHAUSTED, details: 'too many unread messages' });
          cleanup('backpressure');
          return;
        }
        call.write(encodeToAgent(message));
      },
      close: (reason) => {
        if (closed) return;
        call.emit('error', { code: grpc.status.ABORTED, details: reason });
        cleanup(reason);
      },
    };

    call.on('data', (wire: AgentMessage__Output) => {
      if (closed) return;
      const message = decodeAgentMessage(wire);
      try {
        if (!session) {
          if (message.kind !== 'hello') {
            refuse(grpc.status.FAILED_PRECONDITION, 'the first message of a session must be hello');
            return;
          }
          try {
            openAgentSession(state, agentId, message.hello, live, log.child({ peer }), peer);
            session = live;
          } catch (err) {
            state.metrics?.rejectedCall((err as { code?: string }).code === 'SESSION_EXISTS' ? 'duplicate-session' : 'protocol');
            log.warn({ peer, err: (err as Error).message }, 'session refused');
            call.emit('error', toGrpcError(err));
            cleanup('refused');
          }
          return;
        }
        session.lastHeardAt = new Date();
        handleAgentMessage(state, session, message, log);
      } catch (err) {
        log.error({ err: (err as Error).message, body: message.kind }, 'failed to handle agent message');
      }
    });
    call.on('end', () => {
      cleanup('agent ended the session');
      call.end();
    });
    call.on('error', (err) => cleanup(`stream error: ${err.message}`));
    call.on('cancelled', () => cleanup('cancelled'));
    call.on('close', () => cleanup('closed'));

    function refuse(code: grpc.status, details: string): void {
      state.metrics?.rejectedCall('protocol');
      log.warn({ peer, details }, 'session refused');
      call.emit('error', { code, details });
      cleanup('refused');
    }
  };
}
