// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface TriggerDrillRequest {
  /**
   * NAME or AGENT/NAME: the instance whose copy is drilled (never touched itself).
   */
  'instance'?: (string);
  'agentId'?: (string);
  /**
   * Restore into this other instance of the same agent; empty = a scratch redis-server.
   */
  'targetInstance'?: (string);
  /**
   * A local copy id or an offsite set id; empty = the newest.
   */
  'backupId'?: (string);
  /**
   * local | offsite (empty = local).
   */
  'source'?: (string);
  'timeoutMs'?: (number | string | Long);
}

export interface TriggerDrillRequest__Output {
  /**
   * NAME or AGENT/NAME: the instance whose copy is drilled (never touched itself).
   */
  'instance': (string);
  'agentId': (string);
  /**
   * Restore into this other instance of the same agent; empty = a scratch redis-server.
   */
  'targetInstance': (string);
  /**
   * A local copy id or an offsite set id; empty = the newest.
   */
  'backupId': (string);
  /**
   * local | offsite (empty = local).
   */
  'source': (string);
  'timeoutMs': (number);
}
