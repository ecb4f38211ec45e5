// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface RestoreRequest {
  /**
   * Whose data: NAME or AGENT/NAME.
   */
  'instance'?: (string);
  /**
   * A local copy id or an offsite set id; "" or "latest" = the newest usable one.
   */
  'backup'?: (string);
  /**
   * ISO time: the newest copy whose snapshot is at or before it ("" = none).
   */
  'before'?: (string);
  /**
   * "" (nearest: the target host's copy, then offsite) | local | offsite | agent:<id>.
   */
  'source'?: (string);
  /**
   * Restore into this instance (NAME or AGENT/NAME, any host); "" = the instance itself.
   */
  'targetInstance'?: (string);
  /**
   * Also put back redis.conf and the ACL file (offsite sets carry them).
   */
  'withConfig'?: (boolean);
  /**
   * 0 = the coordinator's default for restores.
   */
  'timeoutMs'?: (number | string | Long);
}

export interface RestoreRequest__Output {
  /**
   * Whose data: NAME or AGENT/NAME.
   */
  'instance': (string);
  /**
   * A local copy id or an offsite set id; "" or "latest" = the newest usable one.
   */
  'backup': (string);
  /**
   * ISO time: the newest copy whose snapshot is at or before it ("" = none).
   */
  'before': (string);
  /**
   * "" (nearest: the target host's copy, then offsite) | local | offsite | agent:<id>.
   */
  'source': (string);
  /**
   * Restore into this instance (NAME or AGENT/NAME, any host); "" = the instance itself.
   */
  'targetInstance': (string);
  /**
   * Also put back redis.conf and the ACL file (offsite sets carry them).
   */
  'withConfig': (boolean);
  /**
   * 0 = the coordinator's default for restores.
   */
  'timeoutMs': (number);
}
