// Original file: proto/redback/v1/control.proto


export interface RebuildCatalogReply {
  'completeSets'?: (number);
  'incompleteSets'?: (number);
  'objects'?: (number);
  'problems'?: (string)[];
  /**
   * Agents asked to resend their inventories (connected ones).
   */
  'agentsAsked'?: (string)[];
  'dryRun'?: (boolean);
}

export interface RebuildCatalogReply__Output {
  'completeSets': (number);
  'incompleteSets': (number);
  'objects': (number);
  'problems': (string)[];
  /**
   * Agents asked to resend their inventories (connected ones).
   */
  'agentsAsked': (string)[];
  'dryRun': (boolean);
}
