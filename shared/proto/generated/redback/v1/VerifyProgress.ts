// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface VerifyProgress {
  'setId'?: (string);
  'instance'?: (string);
  'done'?: (number | string | Long);
  'total'?: (number | string | Long);
}

export interface VerifyProgress__Output {
  'setId': (string);
  'instance': (string);
  'done': (number);
  'total': (number);
}
