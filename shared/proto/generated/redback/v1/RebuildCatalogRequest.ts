// Original file: proto/redback/v1/control.proto


export interface RebuildCatalogRequest {
  'dryRun'?: (boolean);
}

export interface RebuildCatalogRequest__Output {
  'dryRun': (boolean);
}
