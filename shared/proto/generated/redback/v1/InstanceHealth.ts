// Original file: proto/redback/v1/agent.proto

import type { TierNewest as _redback_v1_TierNewest, TierNewest__Output as _redback_v1_TierNewest__Output } from '../../redback/v1/TierNewest.js';
import type { ArchiveHealth as _redback_v1_ArchiveHealth, ArchiveHealth__Output as _redback_v1_ArchiveHealth__Output } from '../../redback/v1/ArchiveHealth.js';
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
  /**
   * 20+: persistence policy. The settings a policy can name, as CONFIG GET returns them
   * (save, appendonly, appendfsync, aof-*, rdb-*, ...); empty when the instance is down.
   */
  'persistence'?: ({[key: string]: string});
  /**
   * The server's config file ("" = it runs without one: CONFIG REWRITE cannot persist a change).
   */
  'configFile'?: (string);
  /**
   * 60+: continuous AOF archiving (agent/archive); absent when the instance is not archived.
   */
  'archive'?: (_redback_v1_ArchiveHealth | null);
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
  /**
   * 20+: persistence policy. The settings a policy can name, as CONFIG GET returns them
   * (save, appendonly, appendfsync, aof-*, rdb-*, ...); empty when the instance is down.
   */
  'persistence': ({[key: string]: string});
  /**
   * The server's config file ("" = it runs without one: CONFIG REWRITE cannot persist a change).
   */
  'configFile': (string);
  /**
   * 60+: continuous AOF archiving (agent/archive); absent when the instance is not archived.
   */
  'archive': (_redback_v1_ArchiveHealth__Output | null);
}
