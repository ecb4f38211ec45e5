// Original file: proto/redback/v1/control.proto

import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';

export interface ListJobsReply {
  'jobs'?: (_redback_v1_JobInfo)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken'?: (string);
}

export interface ListJobsReply__Output {
  'jobs': (_redback_v1_JobInfo__Output)[];
  /**
   * Non-empty when there are more: pass it as page_token.
   */
  'nextPageToken': (string);
}
