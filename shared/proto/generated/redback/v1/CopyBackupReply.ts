// Original file: proto/redback/v1/control.proto

import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';
import type { Long } from '@grpc/proto-loader';

export interface CopyBackupReply {
  'transferId'?: (string);
  'sourceAgentId'?: (string);
  /**
   * The source's send-copy job and the target's receive-copy job.
   */
  'sendJob'?: (_redback_v1_JobInfo | null);
  'receiveJob'?: (_redback_v1_JobInfo | null);
  'bytes'?: (number | string | Long);
}

export interface CopyBackupReply__Output {
  'transferId': (string);
  'sourceAgentId': (string);
  /**
   * The source's send-copy job and the target's receive-copy job.
   */
  'sendJob': (_redback_v1_JobInfo__Output | null);
  'receiveJob': (_redback_v1_JobInfo__Output | null);
  'bytes': (number);
}
