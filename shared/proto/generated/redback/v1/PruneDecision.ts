// Original file: proto/redback/v1/control.proto


export interface PruneDecision {
  'agentId'?: (string);
  'instance'?: (string);
  'setId'?: (string);
  'createdAt'?: (string);
  'complete'?: (boolean);
  /**
   * keep | delete
   */
  'action'?: (string);
  'reason'?: (string);
}

export interface PruneDecision__Output {
  'agentId': (string);
  'instance': (string);
  'setId': (string);
  'createdAt': (string);
  'complete': (boolean);
  /**
   * keep | delete
   */
  'action': (string);
  'reason': (string);
}
