// Original file: proto/redback/v1/agent.proto

import type { CopyRecord as _redback_v1_CopyRecord, CopyRecord__Output as _redback_v1_CopyRecord__Output } from '../../redback/v1/CopyRecord.js';

/**
 * The agent's full list of local copies, sent on every (re)connect. The catalog adds what it
 * missed and marks what disappeared.
 */
export interface Inventory {
  'copies'?: (_redback_v1_CopyRecord)[];
  /**
   * A large inventory comes in parts 1..parts (each under the message size limit); the catalog
   * applies it when the last part arrives. 0 of 0 = the whole inventory in this message.
   */
  'part'?: (number);
  'parts'?: (number);
}

/**
 * The agent's full list of local copies, sent on every (re)connect. The catalog adds what it
 * missed and marks what disappeared.
 */
export interface Inventory__Output {
  'copies': (_redback_v1_CopyRecord__Output)[];
  /**
   * A large inventory comes in parts 1..parts (each under the message size limit); the catalog
   * applies it when the last part arrives. 0 of 0 = the whole inventory in this message.
   */
  'part': (number);
  'parts': (number);
}
