// Original file: proto/redback/v1/control.proto


export interface WatchJobRequest {
  'jobId'?: (string);
}

export interface WatchJobRequest__Output {
  'jobId': (string);
}
