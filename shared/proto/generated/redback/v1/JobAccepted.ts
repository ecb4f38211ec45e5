// Original file: proto/redback/v1/agent.proto


export interface JobAccepted {
  'jobId'?: (string);
}

export interface JobAccepted__Output {
  'jobId': (string);
}
