// Original file: proto/redback/v1/control.proto

import type { AgentInfo as _redback_v1_AgentInfo, AgentInfo__Output as _redback_v1_AgentInfo__Output } from '../../redback/v1/AgentInfo.js';
import type { InstanceStatus as _redback_v1_InstanceStatus, InstanceStatus__Output as _redback_v1_InstanceStatus__Output } from '../../redback/v1/InstanceStatus.js';
import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';
import type { InstancePolicy as _redback_v1_InstancePolicy, InstancePolicy__Output as _redback_v1_InstancePolicy__Output } from '../../redback/v1/InstancePolicy.js';

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
  /**
   * 20+: persistence policy. Instances whose settings differ from their policy (a warning:
   * it does not make the fleet unhealthy).
   */
  'policyDrift'?: (_redback_v1_InstancePolicy)[];
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
  /**
   * 20+: persistence policy. Instances whose settings differ from their policy (a warning:
   * it does not make the fleet unhealthy).
   */
  'policyDrift': (_redback_v1_InstancePolicy__Output)[];
}
