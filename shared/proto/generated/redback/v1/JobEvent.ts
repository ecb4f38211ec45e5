// Original file: proto/redback/v1/control.proto

import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';

export interface JobEvent {
  'job'?: (_redback_v1_JobInfo | null);
  'message'?: (string);
}

export interface JobEvent__Output {
  'job': (_redback_v1_JobInfo__Output | null);
  'message': (string);
}
