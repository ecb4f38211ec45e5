// Original file: proto/redback/v1/control.proto

import type { Long } from '@grpc/proto-loader';

export interface TriggerFleetBackupRequest {
  'tier'?: (string);
  'timeoutMs'?: (number | string | Long);
}

export interface TriggerFleetBackupRequest__Output {
  'tier': (string);
  'timeoutMs': (number);
}
