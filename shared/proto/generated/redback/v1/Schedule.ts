// Original file: proto/redback/v1/agent.proto

import type { InstanceSchedule as _redback_v1_InstanceSchedule, InstanceSchedule__Output as _redback_v1_InstanceSchedule__Output } from '../../redback/v1/InstanceSchedule.js';
import type { Long } from '@grpc/proto-loader';

/**
 * The fleet's schedule for this agent's instances. The agent caches it on disk and keeps using it
 * while the coordinator is unreachable.
 */
export interface Schedule {
  'version'?: (number | string | Long);
  'instances'?: (_redback_v1_InstanceSchedule)[];
}

/**
 * The fleet's schedule for this agent's instances. The agent caches it on disk and keeps using it
 * while the coordinator is unreachable.
 */
export interface Schedule__Output {
  'version': (number);
  'instances': (_redback_v1_InstanceSchedule__Output)[];
}
