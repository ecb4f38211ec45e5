// Original file: proto/redback/v1/agent.proto

import type { Hello as _redback_v1_Hello, Hello__Output as _redback_v1_Hello__Output } from '../../redback/v1/Hello.js';
import type { Heartbeat as _redback_v1_Heartbeat, Heartbeat__Output as _redback_v1_Heartbeat__Output } from '../../redback/v1/Heartbeat.js';
import type { Inventory as _redback_v1_Inventory, Inventory__Output as _redback_v1_Inventory__Output } from '../../redback/v1/Inventory.js';
import type { JobProgress as _redback_v1_JobProgress, JobProgress__Output as _redback_v1_JobProgress__Output } from '../../redback/v1/JobProgress.js';
import type { JobResult as _redback_v1_JobResult, JobResult__Output as _redback_v1_JobResult__Output } from '../../redback/v1/JobResult.js';
import type { CopyEvent as _redback_v1_CopyEvent, CopyEvent__Output as _redback_v1_CopyEvent__Output } from '../../redback/v1/CopyEvent.js';
import type { JobAccepted as _redback_v1_JobAccepted, JobAccepted__Output as _redback_v1_JobAccepted__Output } from '../../redback/v1/JobAccepted.js';

export interface AgentMessage {
  'hello'?: (_redback_v1_Hello | null);
  'heartbeat'?: (_redback_v1_Heartbeat | null);
  'inventory'?: (_redback_v1_Inventory | null);
  'jobProgress'?: (_redback_v1_JobProgress | null);
  'jobResult'?: (_redback_v1_JobResult | null);
  'copyEvent'?: (_redback_v1_CopyEvent | null);
  'jobAccepted'?: (_redback_v1_JobAccepted | null);
  'body'?: "hello"|"heartbeat"|"inventory"|"jobProgress"|"jobResult"|"copyEvent"|"jobAccepted";
}

export interface AgentMessage__Output {
  'hello'?: (_redback_v1_Hello__Output | null);
  'heartbeat'?: (_redback_v1_Heartbeat__Output | null);
  'inventory'?: (_redback_v1_Inventory__Output | null);
  'jobProgress'?: (_redback_v1_JobProgress__Output | null);
  'jobResult'?: (_redback_v1_JobResult__Output | null);
  'copyEvent'?: (_redback_v1_CopyEvent__Output | null);
  'jobAccepted'?: (_redback_v1_JobAccepted__Output | null);
  'body'?: "hello"|"heartbeat"|"inventory"|"jobProgress"|"jobResult"|"copyEvent"|"jobAccepted";
}
