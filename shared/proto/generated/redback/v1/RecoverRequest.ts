// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface RecoverRequest {
  'instance'?: (string);
  'timeoutMs'?: (number | string | Long);
}

export interface RecoverRequest__Output {
  'instance': (string);
  'timeoutMs': (number);
}
