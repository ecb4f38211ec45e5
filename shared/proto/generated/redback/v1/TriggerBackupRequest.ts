// Original file: proto/redback/v1/control.proto


export interface TriggerBackupRequest {
  'instance'?: (string);
  'tier'?: (string);
  /**
   * Empty = the agent that owns the instance (the name must then be unique in the fleet).
   */
  'agentId'?: (string);
}

export interface TriggerBackupRequest__Output {
  'instance': (string);
  'tier': (string);
  /**
   * Empty = the agent that owns the instance (the name must then be unique in the fleet).
   */
  'agentId': (string);
}
