// Original file: proto/redback/v1/control.proto


export interface ListJobsRequest {
  'instance'?: (string);
  'state'?: (string);
  'limit'?: (number);
}

export interface ListJobsRequest__Output {
  'instance': (string);
  'state': (string);
  'limit': (number);
}
