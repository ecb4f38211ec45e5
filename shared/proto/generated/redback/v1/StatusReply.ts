// Original file: proto/redback/v1/control.proto

import type { AgentInfo as _redback_v1_AgentInfo, AgentInfo__Output as _redback_v1_AgentInfo__Output } from '../../redback/v1/AgentInfo.js';
import type { InstanceStatus as _redback_v1_InstanceStatus, InstanceStatus__Output as _redback_v1_InstanceStatus__Output } from '../../redback/v1/InstanceStatus.js';
import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';

export interface StatusReply {
  'generatedAt'?: (string);
  'silentAgents'?: (_redback_v1_AgentInfo)[];
  'unprotectedInstances'?: (_redback_v1_InstanceStatus)[];
  'failedJobs'?: (_redback_v1_JobInfo)[];
  'agentsTotal'?: (number);
  'agentsOnline'?: (number);
  'instancesTotal'?: (number);
  'instancesProtected'?: (number);
  'healthy'?: (boolean);
  /**
   * Fleet-level problems (e.g. a second session refused for a connected agent id).
   */
  'problems'?: (string)[];
  /**
   * Every instance with a problem: unprotected, down, loading too long, AOF trap, failed saves.
   */
  'problemInstances'?: (_redback_v1_InstanceStatus)[];
}

export interface StatusReply__Output {
  'generatedAt': (string);
  'silentAgents': (_redback_v1_AgentInfo__Output)[];
  'unprotectedInstances': (_redback_v1_InstanceStatus__Output)[];
  'failedJobs': (_redback_v1_JobInfo__Output)[];
  'agentsTotal': (number);
  'agentsOnline': (number);
  'instancesTotal': (number);
  'instancesProtected': (number);
  'healthy': (boolean);
  /**
   * Fleet-level problems (e.g. a second session refused for a connected agent id).
   */
  'problems': (string)[];
  /**
   * Every instance with a problem: unprotected, down, loading too long, AOF trap, failed saves.
   */
  'problemInstances': (_redback_v1_InstanceStatus__Output)[];
}
