// Original file: proto/redback/v1/transfer.proto

import type { Long } from '@grpc/proto-loader';

/**
 * The first message of an Upload (the source fills it) and of a Download (the coordinator relays it).
 */
export interface TransferStart {
  'transferId'?: (string);
  /**
   * Bytes of data that follow.
   */
  'bytes'?: (number | string | Long);
  /**
   * SHA-256 of those bytes, hex.
   */
  'sha256'?: (string);
  /**
   * The copy's manifest exactly as written beside it on the source (it carries its own checksum).
   */
  'manifestJson'?: (string);
  'sourceAgentId'?: (string);
}

/**
 * The first message of an Upload (the source fills it) and of a Download (the coordinator relays it).
 */
export interface TransferStart__Output {
  'transferId': (string);
  /**
   * Bytes of data that follow.
   */
  'bytes': (number);
  /**
   * SHA-256 of those bytes, hex.
   */
  'sha256': (string);
  /**
   * The copy's manifest exactly as written beside it on the source (it carries its own checksum).
   */
  'manifestJson': (string);
  'sourceAgentId': (string);
}
