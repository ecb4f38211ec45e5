// Original file: proto/redback/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Command {
  'jobId'?: (string);
  /**
   * snapshot | daily | prune | verify | upload | restore | ...
   */
  'type'?: (string);
  'instance'?: (string);
  /**
   * Command-specific arguments, JSON.
   */
  'argsJson'?: (string);
  'timeoutMs'?: (number | string | Long);
}

export interface Command__Output {
  'jobId': (string);
  /**
   * snapshot | daily | prune | verify | upload | restore | ...
   */
  'type': (string);
  'instance': (string);
  /**
   * Command-specific arguments, JSON.
   */
  'argsJson': (string);
  'timeoutMs': (number);
}
