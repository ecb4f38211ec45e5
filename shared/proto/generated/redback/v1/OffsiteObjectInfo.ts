// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface OffsiteObjectInfo {
  'key'?: (string);
  'kind'?: (string);
  'plainBytes'?: (number | string | Long);
  'plainSha256'?: (string);
  'storedBytes'?: (number | string | Long);
  'storedSha256'?: (string);
  'compression'?: (string);
  'encrypted'?: (boolean);
}

export interface OffsiteObjectInfo__Output {
  'key': (string);
  'kind': (string);
  'plainBytes': (number);
  'plainSha256': (string);
  'storedBytes': (number);
  'storedSha256': (string);
  'compression': (string);
  'encrypted': (boolean);
}
