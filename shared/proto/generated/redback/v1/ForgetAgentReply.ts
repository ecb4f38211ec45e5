// Original file: proto/redback/v1/control.proto


export interface ForgetAgentReply {
  'agentId'?: (string);
  'removed'?: (boolean);
  'wasConnected'?: (boolean);
  'instances'?: (number);
  'backups'?: (number);
  'jobs'?: (number);
}

export interface ForgetAgentReply__Output {
  'agentId': (string);
  'removed': (boolean);
  'wasConnected': (boolean);
  'instances': (number);
  'backups': (number);
  'jobs': (number);
}
