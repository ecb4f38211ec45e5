// Original file: proto/redback/v1/control.proto

import type { BackupInfo as _redback_v1_BackupInfo, BackupInfo__Output as _redback_v1_BackupInfo__Output } from '../../redback/v1/BackupInfo.js';

export interface ListBackupsReply {
  'backups'?: (_redback_v1_BackupInfo)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken'?: (string);
}

export interface ListBackupsReply__Output {
  'backups': (_redback_v1_BackupInfo__Output)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken': (string);
}
