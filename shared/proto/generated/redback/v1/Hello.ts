// Original file: proto/redback/v1/agent.proto

import type { InstanceInfo as _redback_v1_InstanceInfo, InstanceInfo__Output as _redback_v1_InstanceInfo__Output } from '../../redback/v1/InstanceInfo.js';
import type { Long } from '@grpc/proto-loader';

/**
 * First message on a session. An incompatible protocol_version is refused with
 * FAILED_PRECONDITION and a message naming both versions.
 */
export interface Hello {
  'protocolVersion'?: (number);
  'agentId'?: (string);
  'hostname'?: (string);
  'agentVersion'?: (string);
  'instances'?: (_redback_v1_InstanceInfo)[];
  /**
   * Jobs this agent has already executed (it keeps the ids on disk), so a job re-sent after a
   * reconnect is answered from the record instead of run twice.
   */
  'completedJobIds'?: (string)[];
  /**
   * Version of the schedule the agent has cached (0 = none).
   */
  'scheduleVersion'?: (number | string | Long);
  /**
   * Address where this agent serves CopyTransfer for cross-host restores ("" = not served).
   */
  'transferAddress'?: (string);
}

/**
 * First message on a session. An incompatible protocol_version is refused with
 * FAILED_PRECONDITION and a message naming both versions.
 */
export interface Hello__Output {
  'protocolVersion': (number);
  'agentId': (string);
  'hostname': (string);
  'agentVersion': (string);
  'instances': (_redback_v1_InstanceInfo__Output)[];
  /**
   * Jobs this agent has already executed (it keeps the ids on disk), so a job re-sent after a
   * reconnect is answered from the record instead of run twice.
   */
  'completedJobIds': (string)[];
  /**
   * Version of the schedule the agent has cached (0 = none).
   */
  'scheduleVersion': (number);
  /**
   * Address where this agent serves CopyTransfer for cross-host restores ("" = not served).
   */
  'transferAddress': (string);
}
