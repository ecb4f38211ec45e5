// Original file: proto/redback/v1/agent.proto

import type { TierNewest as _redback_v1_TierNewest, TierNewest__Output as _redback_v1_TierNewest__Output } from '../../redback/v1/TierNewest.js';
import type { Long } from '@grpc/proto-loader';

export interface InstanceHealth {
  'name'?: (string);
  'up'?: (boolean);
  'role'?: (string);
  'dbsize'?: (number | string | Long);
  'usedMemory'?: (number | string | Long);
  'rdbLastBgsaveStatus'?: (string);
  'rdbLastSaveTime'?: (number | string | Long);
  'aofEnabled'?: (boolean);
  'aofLastWriteStatus'?: (string);
  'aofLastBgrewriteStatus'?: (string);
  'newest'?: (_redback_v1_TierNewest)[];
  /**
   * Why the instance is down or unhealthy, when known.
   */
  'error'?: (string);
  'loading'?: (boolean);
  /**
   * The AOF trap (appendonly yes with the AOF gone while data exists): starting Redis would lose it.
   */
  'aofTrap'?: (boolean);
  /**
   * Seconds since Redis started loading its dataset (0 when not loading).
   */
  'loadingSeconds'?: (number | string | Long);
}

export interface InstanceHealth__Output {
  'name': (string);
  'up': (boolean);
  'role': (string);
  'dbsize': (number);
  'usedMemory': (number);
  'rdbLastBgsaveStatus': (string);
  'rdbLastSaveTime': (number);
  'aofEnabled': (boolean);
  'aofLastWriteStatus': (string);
  'aofLastBgrewriteStatus': (string);
  'newest': (_redback_v1_TierNewest__Output)[];
  /**
   * Why the instance is down or unhealthy, when known.
   */
  'error': (string);
  'loading': (boolean);
  /**
   * The AOF trap (appendonly yes with the AOF gone while data exists): starting Redis would lose it.
   */
  'aofTrap': (boolean);
  /**
   * Seconds since Redis started loading its dataset (0 when not loading).
   */
  'loadingSeconds': (number);
}
