// Original file: proto/redback/v1/transfer.proto

import type { TransferStart as _redback_v1_TransferStart, TransferStart__Output as _redback_v1_TransferStart__Output } from '../../redback/v1/TransferStart.js';

export interface TransferChunk {
  'start'?: (_redback_v1_TransferStart | null);
  'data'?: (Buffer | Uint8Array | string);
  'body'?: "start"|"data";
}

export interface TransferChunk__Output {
  'start'?: (_redback_v1_TransferStart__Output | null);
  'data'?: (Buffer);
  'body'?: "start"|"data";
}
