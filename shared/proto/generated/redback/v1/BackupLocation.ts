// Original file: proto/redback/v1/control.proto


export interface BackupLocation {
  'kind'?: (string);
  'where'?: (string);
  'state'?: (string);
  'seenAt'?: (string);
}

export interface BackupLocation__Output {
  'kind': (string);
  'where': (string);
  'state': (string);
  'seenAt': (string);
}
