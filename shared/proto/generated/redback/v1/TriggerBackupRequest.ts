// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface TriggerBackupRequest {
  'instance'?: (string);
  'tier'?: (string);
  /**
   * Empty = the agent that owns the instance (the name must then be unique in the fleet).
   */
  'agentId'?: (string);
  /**
   * 0 = the coordinator's jobs.defaultTimeout.
   */
  'timeoutMs'?: (number | string | Long);
}

export interface TriggerBackupRequest__Output {
  'instance': (string);
  'tier': (string);
  /**
   * Empty = the agent that owns the instance (the name must then be unique in the fleet).
   */
  'agentId': (string);
  /**
   * 0 = the coordinator's jobs.defaultTimeout.
   */
  'timeoutMs': (number);
}
