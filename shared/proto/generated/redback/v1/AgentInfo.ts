// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface AgentInfo {
  'agentId'?: (string);
  'hostname'?: (string);
  /**
   * online | stale | offline
   */
  'liveness'?: (string);
  'lastHeartbeatAt'?: (string);
  'heartbeatAgeSeconds'?: (number | string);
  'agentVersion'?: (string);
  'protocolVersion'?: (number);
  'backupFreeBytes'?: (number | string | Long);
  'instances'?: (string)[];
  'connectedSince'?: (string);
}

export interface AgentInfo__Output {
  'agentId': (string);
  'hostname': (string);
  /**
   * online | stale | offline
   */
  'liveness': (string);
  'lastHeartbeatAt': (string);
  'heartbeatAgeSeconds': (number);
  'agentVersion': (string);
  'protocolVersion': (number);
  'backupFreeBytes': (number);
  'instances': (string)[];
  'connectedSince': (string);
}
