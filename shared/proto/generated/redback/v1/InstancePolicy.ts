// Original file: proto/redback/v1/control.proto

import type { PolicySetting as _redback_v1_PolicySetting, PolicySetting__Output as _redback_v1_PolicySetting__Output } from '../../redback/v1/PolicySetting.js';

export interface InstancePolicy {
  'agentId'?: (string);
  'instance'?: (string);
  /**
   * "default" or a group name from the coordinator config.
   */
  'policy'?: (string);
  /**
   * Continuous AOF archiving asked for.
   */
  'archive'?: (boolean);
  'settings'?: (_redback_v1_PolicySetting)[];
  /**
   * drift | ok | unknown (settings not reported yet: agent offline or Redis down)
   */
  'state'?: (string);
  'reportedAt'?: (string);
  /**
   * The server's config file; "" = none (or not reported).
   */
  'configFile'?: (string);
}

export interface InstancePolicy__Output {
  'agentId': (string);
  'instance': (string);
  /**
   * "default" or a group name from the coordinator config.
   */
  'policy': (string);
  /**
   * Continuous AOF archiving asked for.
   */
  'archive': (boolean);
  'settings': (_redback_v1_PolicySetting__Output)[];
  /**
   * drift | ok | unknown (settings not reported yet: agent offline or Redis down)
   */
  'state': (string);
  'reportedAt': (string);
  /**
   * The server's config file; "" = none (or not reported).
   */
  'configFile': (string);
}
