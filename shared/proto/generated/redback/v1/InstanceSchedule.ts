// Original file: proto/redback/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface InstanceSchedule {
  'instance'?: (string);
  /**
   * Empty = that tier is off.
   */
  'hourlyCron'?: (string);
  'dailyCron'?: (string);
  'timezone'?: (string);
  'retentionHourlyMs'?: (number | string | Long);
  'retentionDailyMs'?: (number | string | Long);
  /**
   * 0 = keep manual copies until deleted.
   */
  'retentionManualMs'?: (number | string | Long);
  /**
   * 60+: continuous AOF archiving asked for by the instance's policy, and its interval (0 = default 10 s).
   */
  'archive'?: (boolean);
  'archiveIntervalMs'?: (number | string | Long);
}

export interface InstanceSchedule__Output {
  'instance': (string);
  /**
   * Empty = that tier is off.
   */
  'hourlyCron': (string);
  'dailyCron': (string);
  'timezone': (string);
  'retentionHourlyMs': (number);
  'retentionDailyMs': (number);
  /**
   * 0 = keep manual copies until deleted.
   */
  'retentionManualMs': (number);
  /**
   * 60+: continuous AOF archiving asked for by the instance's policy, and its interval (0 = default 10 s).
   */
  'archive': (boolean);
  'archiveIntervalMs': (number);
}
