// Original file: proto/redback/v1/control.proto


export interface ObjectVerifyResult {
  'key'?: (string);
  'kind'?: (string);
  'ok'?: (boolean);
  'problem'?: (string);
  'dataRead'?: (boolean);
}

export interface ObjectVerifyResult__Output {
  'key': (string);
  'kind': (string);
  'ok': (boolean);
  'problem': (string);
  'dataRead': (boolean);
}
