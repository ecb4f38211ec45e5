// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface JobInfo {
  'jobId'?: (string);
  'type'?: (string);
  'instance'?: (string);
  'agentId'?: (string);
  /**
   * queued | sent | running | succeeded | failed | cancelled | timed-out
   */
  'state'?: (string);
  'createdAt'?: (string);
  'startedAt'?: (string);
  'finishedAt'?: (string);
  'errorCode'?: (string);
  'errorMessage'?: (string);
  'resultJson'?: (string);
  'phase'?: (string);
  'done'?: (number | string | Long);
  'total'?: (number | string | Long);
  'errorHint'?: (string);
}

export interface JobInfo__Output {
  'jobId': (string);
  'type': (string);
  'instance': (string);
  'agentId': (string);
  /**
   * queued | sent | running | succeeded | failed | cancelled | timed-out
   */
  'state': (string);
  'createdAt': (string);
  'startedAt': (string);
  'finishedAt': (string);
  'errorCode': (string);
  'errorMessage': (string);
  'resultJson': (string);
  'phase': (string);
  'done': (number);
  'total': (number);
  'errorHint': (string);
}
