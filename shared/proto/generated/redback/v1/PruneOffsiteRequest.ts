// Original file: proto/redback/v1/control.proto


export interface PruneOffsiteRequest {
  'dryRun'?: (boolean);
  'instance'?: (string);
}

export interface PruneOffsiteRequest__Output {
  'dryRun': (boolean);
  'instance': (string);
}
