// Original file: proto/redback/v1/control.proto

import type { AgentInfo as _redback_v1_AgentInfo, AgentInfo__Output as _redback_v1_AgentInfo__Output } from '../../redback/v1/AgentInfo.js';

export interface ListAgentsReply {
  'agents'?: (_redback_v1_AgentInfo)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken'?: (string);
}

export interface ListAgentsReply__Output {
  'agents': (_redback_v1_AgentInfo__Output)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken': (string);
}
