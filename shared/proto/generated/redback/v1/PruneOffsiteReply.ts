// Original file: proto/redback/v1/control.proto

import type { PruneDecision as _redback_v1_PruneDecision, PruneDecision__Output as _redback_v1_PruneDecision__Output } from '../../redback/v1/PruneDecision.js';

export interface PruneOffsiteReply {
  'decisions'?: (_redback_v1_PruneDecision)[];
  'deletedSets'?: (number);
  'deletedObjects'?: (number);
  'abortedUploads'?: (number);
  'dryRun'?: (boolean);
  /**
   * 90+: why stale multipart uploads could not be aborted ("" = they were, or none to abort).
   */
  'abortProblem'?: (string);
}

export interface PruneOffsiteReply__Output {
  'decisions': (_redback_v1_PruneDecision__Output)[];
  'deletedSets': (number);
  'deletedObjects': (number);
  'abortedUploads': (number);
  'dryRun': (boolean);
  /**
   * 90+: why stale multipart uploads could not be aborted ("" = they were, or none to abort).
   */
  'abortProblem': (string);
}
