// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface TriggerFleetUploadRequest {
  'timeoutMs'?: (number | string | Long);
}

export interface TriggerFleetUploadRequest__Output {
  'timeoutMs': (number);
}
