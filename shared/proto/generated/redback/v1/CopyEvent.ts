// Original file: proto/redback/v1/agent.proto

import type { CopyRecord as _redback_v1_CopyRecord, CopyRecord__Output as _redback_v1_CopyRecord__Output } from '../../redback/v1/CopyRecord.js';

// Original file: proto/redback/v1/agent.proto

export const _redback_v1_CopyEvent_Kind = {
  KIND_UNSPECIFIED: 'KIND_UNSPECIFIED',
  CREATED: 'CREATED',
  DELETED: 'DELETED',
} as const;

export type _redback_v1_CopyEvent_Kind =
  | 'KIND_UNSPECIFIED'
  | 0
  | 'CREATED'
  | 1
  | 'DELETED'
  | 2

export type _redback_v1_CopyEvent_Kind__Output = typeof _redback_v1_CopyEvent_Kind[keyof typeof _redback_v1_CopyEvent_Kind]

/**
 * A copy made or deleted by the agent on its own (schedule, retention) while connected.
 */
export interface CopyEvent {
  'kind'?: (_redback_v1_CopyEvent_Kind);
  'copy'?: (_redback_v1_CopyRecord | null);
  /**
   * CREATED: how long the copy took (snapshot + copy + checks), seconds; 0 = unknown.
   */
  'durationSeconds'?: (number | string);
}

/**
 * A copy made or deleted by the agent on its own (schedule, retention) while connected.
 */
export interface CopyEvent__Output {
  'kind': (_redback_v1_CopyEvent_Kind__Output);
  'copy': (_redback_v1_CopyRecord__Output | null);
  /**
   * CREATED: how long the copy took (snapshot + copy + checks), seconds; 0 = unknown.
   */
  'durationSeconds': (number);
}
