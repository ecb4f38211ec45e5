// Original file: proto/redback/v1/control.proto

import type { BackupInfo as _redback_v1_BackupInfo, BackupInfo__Output as _redback_v1_BackupInfo__Output } from '../../redback/v1/BackupInfo.js';

export interface ListBackupsReply {
  'backups'?: (_redback_v1_BackupInfo)[];
}

export interface ListBackupsReply__Output {
  'backups': (_redback_v1_BackupInfo__Output)[];
}
