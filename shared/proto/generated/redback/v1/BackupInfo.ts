// Original file: proto/redback/v1/control.proto

import type { BackupLocation as _redback_v1_BackupLocation, BackupLocation__Output as _redback_v1_BackupLocation__Output } from '../../redback/v1/BackupLocation.js';
import type { Long } from '@grpc/proto-loader';

export interface BackupInfo {
  'id'?: (string);
  'instance'?: (string);
  'tier'?: (string);
  'agentId'?: (string);
  /**
   * local | offsite | agent:<id> — every place this copy lives.
   */
  'locations'?: (_redback_v1_BackupLocation)[];
  'bytes'?: (number | string | Long);
  'sha256'?: (string);
  'createdAt'?: (string);
  'rdbVersion'?: (number);
  'redisVersion'?: (string);
  'keys'?: ({[key: string]: number | string | Long});
  'state'?: (string);
}

export interface BackupInfo__Output {
  'id': (string);
  'instance': (string);
  'tier': (string);
  'agentId': (string);
  /**
   * local | offsite | agent:<id> — every place this copy lives.
   */
  'locations': (_redback_v1_BackupLocation__Output)[];
  'bytes': (number);
  'sha256': (string);
  'createdAt': (string);
  'rdbVersion': (number);
  'redisVersion': (string);
  'keys': ({[key: string]: number});
  'state': (string);
}
