// Original file: proto/redback/v1/control.proto

import type { InstancePolicy as _redback_v1_InstancePolicy, InstancePolicy__Output as _redback_v1_InstancePolicy__Output } from '../../redback/v1/InstancePolicy.js';

export interface PoliciesReply {
  'instances'?: (_redback_v1_InstancePolicy)[];
}

export interface PoliciesReply__Output {
  'instances': (_redback_v1_InstancePolicy__Output)[];
}
