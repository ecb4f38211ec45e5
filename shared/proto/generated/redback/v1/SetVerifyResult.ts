// Original file: proto/redback/v1/control.proto

import type { ObjectVerifyResult as _redback_v1_ObjectVerifyResult, ObjectVerifyResult__Output as _redback_v1_ObjectVerifyResult__Output } from '../../redback/v1/ObjectVerifyResult.js';

export interface SetVerifyResult {
  'agentId'?: (string);
  'instance'?: (string);
  'setId'?: (string);
  'ok'?: (boolean);
  'readData'?: (boolean);
  'objects'?: (_redback_v1_ObjectVerifyResult)[];
  /**
   * A set-level problem (manifest missing or damaged).
   */
  'problem'?: (string);
}

export interface SetVerifyResult__Output {
  'agentId': (string);
  'instance': (string);
  'setId': (string);
  'ok': (boolean);
  'readData': (boolean);
  'objects': (_redback_v1_ObjectVerifyResult__Output)[];
  /**
   * A set-level problem (manifest missing or damaged).
   */
  'problem': (string);
}
