// Original file: proto/redback/v1/agent.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AgentMessage as _redback_v1_AgentMessage, AgentMessage__Output as _redback_v1_AgentMessage__Output } from '../../redback/v1/AgentMessage.js';
import type { CoordinatorMessage as _redback_v1_CoordinatorMessage, CoordinatorMessage__Output as _redback_v1_CoordinatorMessage__Output } from '../../redback/v1/CoordinatorMessage.js';

/**
 * The agent dials the coordinator and keeps one Session stream open. Bulk data never travels on
 * the session: cross-host copies use CopyTransfer's streaming calls, so a heartbeat is never
 * stuck behind a file.
 */
export interface AgentServiceClient extends grpc.Client {
  Session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_redback_v1_AgentMessage, _redback_v1_CoordinatorMessage__Output>;
  Session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_redback_v1_AgentMessage, _redback_v1_CoordinatorMessage__Output>;
  session(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_redback_v1_AgentMessage, _redback_v1_CoordinatorMessage__Output>;
  session(options?: grpc.CallOptions): grpc.ClientDuplexStream<_redback_v1_AgentMessage, _redback_v1_CoordinatorMessage__Output>;
  
}

/**
 * The agent dials the coordinator and keeps one Session stream open. Bulk data never travels on
 * the session: cross-host copies use CopyTransfer's streaming calls, so a heartbeat is never
 * stuck behind a file.
 */
export interface AgentServiceHandlers extends grpc.UntypedServiceImplementation {
  Session: grpc.handleBidiStreamingCall<_redback_v1_AgentMessage__Output, _redback_v1_CoordinatorMessage>;
  
}

export interface AgentServiceDefinition extends grpc.ServiceDefinition {
  Session: MethodDefinition<_redback_v1_AgentMessage, _redback_v1_CoordinatorMessage, _redback_v1_AgentMessage__Output, _redback_v1_CoordinatorMessage__Output>
}
