// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface CopyBackupRequest {
  'backupId'?: (string);
  /**
   * The agent that receives the copy.
   */
  'toAgent'?: (string);
  /**
   * The copy's instance (NAME or AGENT/NAME); empty = any instance with a copy of that id.
   */
  'instance'?: (string);
  /**
   * The agent to take it from; empty = any connected agent that holds it.
   */
  'fromAgent'?: (string);
  /**
   * The instance on the target the copy is filed under; empty = the same name.
   */
  'toInstance'?: (string);
  /**
   * 0 = the coordinator's jobs.defaultTimeout.
   */
  'timeoutMs'?: (number | string | Long);
}

export interface CopyBackupRequest__Output {
  'backupId': (string);
  /**
   * The agent that receives the copy.
   */
  'toAgent': (string);
  /**
   * The copy's instance (NAME or AGENT/NAME); empty = any instance with a copy of that id.
   */
  'instance': (string);
  /**
   * The agent to take it from; empty = any connected agent that holds it.
   */
  'fromAgent': (string);
  /**
   * The instance on the target the copy is filed under; empty = the same name.
   */
  'toInstance': (string);
  /**
   * 0 = the coordinator's jobs.defaultTimeout.
   */
  'timeoutMs': (number);
}
