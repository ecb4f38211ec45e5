// Original file: proto/redback/v1/control.proto


export interface ForgetAgentRequest {
  'agentId'?: (string);
  /**
   * Forget it even while it is connected (its session is closed).
   */
  'force'?: (boolean);
  /**
   * Say what would be removed, remove nothing.
   */
  'dryRun'?: (boolean);
}

export interface ForgetAgentRequest__Output {
  'agentId': (string);
  /**
   * Forget it even while it is connected (its session is closed).
   */
  'force': (boolean);
  /**
   * Say what would be removed, remove nothing.
   */
  'dryRun': (boolean);
}
