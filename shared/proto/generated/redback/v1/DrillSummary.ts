// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface DrillSummary {
  'jobId'?: (string);
  'agentId'?: (string);
  'targetInstance'?: (string);
  'backupId'?: (string);
  /**
   * local | offsite
   */
  'source'?: (string);
  'startedAt'?: (string);
  'finishedAt'?: (string);
  'ok'?: (boolean);
  /**
   * Recovery time: start of the drill to verified data served, milliseconds (0 = not measured).
   */
  'rtoMs'?: (number | string | Long);
  'error'?: (string);
  'keysExpected'?: ({[key: string]: number | string | Long});
  'keysFound'?: ({[key: string]: number | string | Long});
}

export interface DrillSummary__Output {
  'jobId': (string);
  'agentId': (string);
  'targetInstance': (string);
  'backupId': (string);
  /**
   * local | offsite
   */
  'source': (string);
  'startedAt': (string);
  'finishedAt': (string);
  'ok': (boolean);
  /**
   * Recovery time: start of the drill to verified data served, milliseconds (0 = not measured).
   */
  'rtoMs': (number);
  'error': (string);
  'keysExpected': ({[key: string]: number});
  'keysFound': ({[key: string]: number});
}
