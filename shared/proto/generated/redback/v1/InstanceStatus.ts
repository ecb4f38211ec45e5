// Original file: proto/redback/v1/control.proto

import type { DrillSummary as _redback_v1_DrillSummary, DrillSummary__Output as _redback_v1_DrillSummary__Output } from '../../redback/v1/DrillSummary.js';
import type { RecoveryWindowInfo as _redback_v1_RecoveryWindowInfo, RecoveryWindowInfo__Output as _redback_v1_RecoveryWindowInfo__Output } from '../../redback/v1/RecoveryWindowInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface InstanceStatus {
  'agentId'?: (string);
  'name'?: (string);
  'address'?: (string);
  'up'?: (boolean);
  'role'?: (string);
  'dbsize'?: (number | string | Long);
  'usedMemory'?: (number | string | Long);
  'rdbLastBgsaveStatus'?: (string);
  'aofEnabled'?: (boolean);
  'aofLastWriteStatus'?: (string);
  'newestHourlyAt'?: (string);
  'newestDailyAt'?: (string);
  'newestAnyAt'?: (string);
  /**
   * Whether a valid copy exists within the instance's schedule window.
   */
  'protected'?: (boolean);
  /**
   * Why not protected (or other problems), human text.
   */
  'problems'?: (string)[];
  'agentLiveness'?: (string);
  /**
   * Creation time of the newest complete offsite set ("" = none).
   */
  'newestOffsiteAt'?: (string);
  /**
   * 50+: restore drills. The instance's last drill (absent = never drilled).
   */
  'lastDrill'?: (_redback_v1_DrillSummary | null);
  /**
   * Finish time of its last successful drill ("" = none).
   */
  'lastDrillSuccessAt'?: (string);
  /**
   * 70+: point-in-time recovery. The recovery window: absent when the catalog has none yet.
   */
  'recoveryWindow'?: (_redback_v1_RecoveryWindowInfo | null);
}

export interface InstanceStatus__Output {
  'agentId': (string);
  'name': (string);
  'address': (string);
  'up': (boolean);
  'role': (string);
  'dbsize': (number);
  'usedMemory': (number);
  'rdbLastBgsaveStatus': (string);
  'aofEnabled': (boolean);
  'aofLastWriteStatus': (string);
  'newestHourlyAt': (string);
  'newestDailyAt': (string);
  'newestAnyAt': (string);
  /**
   * Whether a valid copy exists within the instance's schedule window.
   */
  'protected': (boolean);
  /**
   * Why not protected (or other problems), human text.
   */
  'problems': (string)[];
  'agentLiveness': (string);
  /**
   * Creation time of the newest complete offsite set ("" = none).
   */
  'newestOffsiteAt': (string);
  /**
   * 50+: restore drills. The instance's last drill (absent = never drilled).
   */
  'lastDrill': (_redback_v1_DrillSummary__Output | null);
  /**
   * Finish time of its last successful drill ("" = none).
   */
  'lastDrillSuccessAt': (string);
  /**
   * 70+: point-in-time recovery. The recovery window: absent when the catalog has none yet.
   */
  'recoveryWindow': (_redback_v1_RecoveryWindowInfo__Output | null);
}
