// Original file: proto/redback/v1/control.proto

import type { WindowSpan as _redback_v1_WindowSpan, WindowSpan__Output as _redback_v1_WindowSpan__Output } from '../../redback/v1/WindowSpan.js';

/**
 * The times a restore can reach (issue 10): any second inside an archive span, or the snapshot
 * time of a nightly set. Spans and gaps are Unix seconds, inclusive.
 */
export interface RecoveryWindowInfo {
  /**
   * Oldest and newest restorable time (ISO, "" = nothing restorable).
   */
  'from'?: (string);
  'to'?: (string);
  'spans'?: (_redback_v1_WindowSpan)[];
  'gaps'?: (_redback_v1_WindowSpan)[];
  'setCount'?: (number);
  'oldestSet'?: (string);
  'newestSet'?: (string);
  'updatedAt'?: (string);
}

/**
 * The times a restore can reach (issue 10): any second inside an archive span, or the snapshot
 * time of a nightly set. Spans and gaps are Unix seconds, inclusive.
 */
export interface RecoveryWindowInfo__Output {
  /**
   * Oldest and newest restorable time (ISO, "" = nothing restorable).
   */
  'from': (string);
  'to': (string);
  'spans': (_redback_v1_WindowSpan__Output)[];
  'gaps': (_redback_v1_WindowSpan__Output)[];
  'setCount': (number);
  'oldestSet': (string);
  'newestSet': (string);
  'updatedAt': (string);
}
