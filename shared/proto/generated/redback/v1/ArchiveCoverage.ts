// Original file: proto/redback/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

/**
 * What one epoch of the archive can restore: any second in [from_ts, to_ts] (Unix seconds; 0 = none yet).
 */
export interface ArchiveCoverage {
  'epoch'?: (string);
  'fromTs'?: (number | string | Long);
  'toTs'?: (number | string | Long);
  'closed'?: (boolean);
  'closedReason'?: (string);
}

/**
 * What one epoch of the archive can restore: any second in [from_ts, to_ts] (Unix seconds; 0 = none yet).
 */
export interface ArchiveCoverage__Output {
  'epoch': (string);
  'fromTs': (number);
  'toTs': (number);
  'closed': (boolean);
  'closedReason': (string);
}
