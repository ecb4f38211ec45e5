// Original file: proto/redback/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface JobProgress {
  'jobId'?: (string);
  'phase'?: (string);
  'done'?: (number | string | Long);
  'total'?: (number | string | Long);
  'message'?: (string);
}

export interface JobProgress__Output {
  'jobId': (string);
  'phase': (string);
  'done': (number);
  'total': (number);
  'message': (string);
}
