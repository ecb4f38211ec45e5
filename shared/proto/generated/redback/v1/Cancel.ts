// Original file: proto/redback/v1/agent.proto


export interface Cancel {
  'jobId'?: (string);
}

export interface Cancel__Output {
  'jobId': (string);
}
