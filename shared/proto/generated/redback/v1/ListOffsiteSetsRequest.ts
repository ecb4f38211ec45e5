// Original file: proto/redback/v1/control.proto


export interface ListOffsiteSetsRequest {
  'instance'?: (string);
  'includeObjects'?: (boolean);
}

export interface ListOffsiteSetsRequest__Output {
  'instance': (string);
  'includeObjects': (boolean);
}
