// Original file: proto/redback/v1/agent.proto


export interface Welcome {
  'protocolVersion'?: (number);
  'coordinatorVersion'?: (string);
  'heartbeatIntervalMs'?: (number);
  'agentId'?: (string);
}

export interface Welcome__Output {
  'protocolVersion': (number);
  'coordinatorVersion': (string);
  'heartbeatIntervalMs': (number);
  'agentId': (string);
}
