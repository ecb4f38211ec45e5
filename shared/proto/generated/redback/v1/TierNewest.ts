// Original file: proto/redback/v1/agent.proto


export interface TierNewest {
  'tier'?: (string);
  'copyId'?: (string);
  'createdAt'?: (string);
}

export interface TierNewest__Output {
  'tier': (string);
  'copyId': (string);
  'createdAt': (string);
}
