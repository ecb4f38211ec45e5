// Original file: proto/redback/v1/control.proto

import type { InstanceStatus as _redback_v1_InstanceStatus, InstanceStatus__Output as _redback_v1_InstanceStatus__Output } from '../../redback/v1/InstanceStatus.js';

export interface ListInstancesReply {
  'instances'?: (_redback_v1_InstanceStatus)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken'?: (string);
}

export interface ListInstancesReply__Output {
  'instances': (_redback_v1_InstanceStatus__Output)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken': (string);
}
