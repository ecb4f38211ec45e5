// Original file: proto/redback/v1/agent.proto

import type { InstanceHealth as _redback_v1_InstanceHealth, InstanceHealth__Output as _redback_v1_InstanceHealth__Output } from '../../redback/v1/InstanceHealth.js';
import type { Long } from '@grpc/proto-loader';

export interface Heartbeat {
  'seq'?: (number | string | Long);
  'sentAtMs'?: (number | string | Long);
  'instances'?: (_redback_v1_InstanceHealth)[];
  /**
   * Free bytes in the agent's backup directory.
   */
  'backupFreeBytes'?: (number | string | Long);
  'backupTotalBytes'?: (number | string | Long);
}

export interface Heartbeat__Output {
  'seq': (number);
  'sentAtMs': (number);
  'instances': (_redback_v1_InstanceHealth__Output)[];
  /**
   * Free bytes in the agent's backup directory.
   */
  'backupFreeBytes': (number);
  'backupTotalBytes': (number);
}
