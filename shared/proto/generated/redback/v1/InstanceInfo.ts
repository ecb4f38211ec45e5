// Original file: proto/redback/v1/agent.proto


export interface InstanceInfo {
  'name'?: (string);
  /**
   * host:port, never credentials.
   */
  'address'?: (string);
  'redisVersion'?: (string);
  'role'?: (string);
}

export interface InstanceInfo__Output {
  'name': (string);
  /**
   * host:port, never credentials.
   */
  'address': (string);
  'redisVersion': (string);
  'role': (string);
}
