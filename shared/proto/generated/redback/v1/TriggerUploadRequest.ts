// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface TriggerUploadRequest {
  'instance'?: (string);
  'agentId'?: (string);
  'timeoutMs'?: (number | string | Long);
}

export interface TriggerUploadRequest__Output {
  'instance': (string);
  'agentId': (string);
  'timeoutMs': (number);
}
