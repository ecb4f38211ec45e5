// Original file: proto/redback/v1/control.proto

import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';

export interface ApplyPolicyReply {
  'jobs'?: (_redback_v1_JobInfo)[];
  /**
   * Instances left out, one line each (e.g. "host1/main: agent not connected").
   */
  'skipped'?: (string)[];
}

export interface ApplyPolicyReply__Output {
  'jobs': (_redback_v1_JobInfo__Output)[];
  /**
   * Instances left out, one line each (e.g. "host1/main: agent not connected").
   */
  'skipped': (string)[];
}
