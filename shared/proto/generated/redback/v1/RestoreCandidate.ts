// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

/**
 * A place a restore can read a copy from.
 */
export interface RestoreCandidate {
  /**
   * local (on the target host) | offsite | agent (another agent's local copy, streamed through the coordinator)
   */
  'kind'?: (string);
  /**
   * Local copy id or offsite set id.
   */
  'id'?: (string);
  /**
   * Where the bytes are (local, agent) or which agent made the set (offsite).
   */
  'agentId'?: (string);
  /**
   * Whose data.
   */
  'instance'?: (string);
  'snapshotAt'?: (string);
  'createdAt'?: (string);
  'bytes'?: (number | string | Long);
  'keys'?: ({[key: string]: number | string | Long});
  'rdbVersion'?: (number);
  /**
   * never | ok | failed (offsite verify); local copies: ok
   */
  'verifyState'?: (string);
  /**
   * False when it cannot be used (why says why).
   */
  'available'?: (boolean);
  'why'?: (string);
}

/**
 * A place a restore can read a copy from.
 */
export interface RestoreCandidate__Output {
  /**
   * local (on the target host) | offsite | agent (another agent's local copy, streamed through the coordinator)
   */
  'kind': (string);
  /**
   * Local copy id or offsite set id.
   */
  'id': (string);
  /**
   * Where the bytes are (local, agent) or which agent made the set (offsite).
   */
  'agentId': (string);
  /**
   * Whose data.
   */
  'instance': (string);
  'snapshotAt': (string);
  'createdAt': (string);
  'bytes': (number);
  'keys': ({[key: string]: number});
  'rdbVersion': (number);
  /**
   * never | ok | failed (offsite verify); local copies: ok
   */
  'verifyState': (string);
  /**
   * False when it cannot be used (why says why).
   */
  'available': (boolean);
  'why': (string);
}
