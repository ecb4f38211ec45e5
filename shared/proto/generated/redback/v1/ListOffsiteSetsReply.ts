// Original file: proto/redback/v1/control.proto

import type { OffsiteSetInfo as _redback_v1_OffsiteSetInfo, OffsiteSetInfo__Output as _redback_v1_OffsiteSetInfo__Output } from '../../redback/v1/OffsiteSetInfo.js';

export interface ListOffsiteSetsReply {
  'sets'?: (_redback_v1_OffsiteSetInfo)[];
  /**
   * The target as configured (bucket or path, prefix), for display.
   */
  'target'?: (string);
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken'?: (string);
}

export interface ListOffsiteSetsReply__Output {
  'sets': (_redback_v1_OffsiteSetInfo__Output)[];
  /**
   * The target as configured (bucket or path, prefix), for display.
   */
  'target': (string);
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken': (string);
}
