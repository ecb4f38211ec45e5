// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface WindowSpan {
  'fromTs'?: (number | string | Long);
  'toTs'?: (number | string | Long);
  'epoch'?: (string);
}

export interface WindowSpan__Output {
  'fromTs': (number);
  'toTs': (number);
  'epoch': (string);
}
