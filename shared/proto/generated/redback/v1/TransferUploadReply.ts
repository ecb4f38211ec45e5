// Original file: proto/redback/v1/transfer.proto

import type { Long } from '@grpc/proto-loader';

export interface TransferUploadReply {
  /**
   * Bytes the coordinator relayed to the target.
   */
  'bytes'?: (number | string | Long);
}

export interface TransferUploadReply__Output {
  /**
   * Bytes the coordinator relayed to the target.
   */
  'bytes': (number);
}
