// Original file: proto/redback/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

/**
 * One local copy. manifest_json is the copy's manifest exactly as written beside it (it carries
 * its own checksum); the other fields repeat what the catalog indexes.
 */
export interface CopyRecord {
  'id'?: (string);
  'instance'?: (string);
  'tier'?: (string);
  'bytes'?: (number | string | Long);
  'sha256'?: (string);
  'createdAt'?: (string);
  'manifestJson'?: (string);
  'state'?: (string);
}

/**
 * One local copy. manifest_json is the copy's manifest exactly as written beside it (it carries
 * its own checksum); the other fields repeat what the catalog indexes.
 */
export interface CopyRecord__Output {
  'id': (string);
  'instance': (string);
  'tier': (string);
  'bytes': (number);
  'sha256': (string);
  'createdAt': (string);
  'manifestJson': (string);
  'state': (string);
}
