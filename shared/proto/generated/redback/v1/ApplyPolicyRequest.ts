// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface ApplyPolicyRequest {
  /**
   * NAME or AGENT/NAME; or all = true for every instance.
   */
  'instance'?: (string);
  'all'?: (boolean);
  'dryRun'?: (boolean);
  /**
   * 0 = the coordinator's jobs.defaultTimeout.
   */
  'timeoutMs'?: (number | string | Long);
}

export interface ApplyPolicyRequest__Output {
  /**
   * NAME or AGENT/NAME; or all = true for every instance.
   */
  'instance': (string);
  'all': (boolean);
  'dryRun': (boolean);
  /**
   * 0 = the coordinator's jobs.defaultTimeout.
   */
  'timeoutMs': (number);
}
