// Original file: proto/redback/v1/control.proto


export interface ListBackupsRequest {
  'instance'?: (string);
  'includeGone'?: (boolean);
}

export interface ListBackupsRequest__Output {
  'instance': (string);
  'includeGone': (boolean);
}
