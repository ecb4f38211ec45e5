// Original file: proto/redback/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A gap: nothing restores between from_ts and to_ts (0 = unknown / not yet).
 */
export interface ArchiveGapInfo {
  'afterEpoch'?: (string);
  'beforeEpoch'?: (string);
  'fromTs'?: (number | string | Long);
  'toTs'?: (number | string | Long);
  'reason'?: (string);
  'detail'?: (string);
  'detectedAt'?: (string);
}

/**
 * A gap: nothing restores between from_ts and to_ts (0 = unknown / not yet).
 */
export interface ArchiveGapInfo__Output {
  'afterEpoch': (string);
  'beforeEpoch': (string);
  'fromTs': (number);
  'toTs': (number);
  'reason': (string);
  'detail': (string);
  'detectedAt': (string);
}
