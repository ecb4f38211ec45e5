import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentMessage as _redback_v1_AgentMessage, AgentMessage__Output as _redback_v1_AgentMessage__Output } from './redback/v1/AgentMessage.js';
import type { AgentServiceClient as _redback_v1_AgentServiceClient, AgentServiceDefinition as _redback_v1_AgentServiceDefinition } from './redback/v1/AgentService.js';
import type { ArchiveCoverage as _redback_v1_ArchiveCoverage, ArchiveCoverage__Output as _redback_v1_ArchiveCoverage__Output } from './redback/v1/ArchiveCoverage.js';
import type { ArchiveGapInfo as _redback_v1_ArchiveGapInfo, ArchiveGapInfo__Output as _redback_v1_ArchiveGapInfo__Output } from './redback/v1/ArchiveGapInfo.js';
import type { ArchiveHealth as _redback_v1_ArchiveHealth, ArchiveHealth__Output as _redback_v1_ArchiveHealth__Output } from './redback/v1/ArchiveHealth.js';
import type { Cancel as _redback_v1_Cancel, Cancel__Output as _redback_v1_Cancel__Output } from './redback/v1/Cancel.js';
import type { Command as _redback_v1_Command, Command__Output as _redback_v1_Command__Output } from './redback/v1/Command.js';
import type { CoordinatorMessage as _redback_v1_CoordinatorMessage, CoordinatorMessage__Output as _redback_v1_CoordinatorMessage__Output } from './redback/v1/CoordinatorMessage.js';
import type { CopyEvent as _redback_v1_CopyEvent, CopyEvent__Output as _redback_v1_CopyEvent__Output } from './redback/v1/CopyEvent.js';
import type { CopyRecord as _redback_v1_CopyRecord, CopyRecord__Output as _redback_v1_CopyRecord__Output } from './redback/v1/CopyRecord.js';
import type { Heartbeat as _redback_v1_Heartbeat, Heartbeat__Output as _redback_v1_Heartbeat__Output } from './redback/v1/Heartbeat.js';
import type { Hello as _redback_v1_Hello, Hello__Output as _redback_v1_Hello__Output } from './redback/v1/Hello.js';
import type { InstanceHealth as _redback_v1_InstanceHealth, InstanceHealth__Output as _redback_v1_InstanceHealth__Output } from './redback/v1/InstanceHealth.js';
import type { InstanceInfo as _redback_v1_InstanceInfo, InstanceInfo__Output as _redback_v1_InstanceInfo__Output } from './redback/v1/InstanceInfo.js';
import type { InstanceSchedule as _redback_v1_InstanceSchedule, InstanceSchedule__Output as _redback_v1_InstanceSchedule__Output } from './redback/v1/InstanceSchedule.js';
import type { Inventory as _redback_v1_Inventory, Inventory__Output as _redback_v1_Inventory__Output } from './redback/v1/Inventory.js';
import type { JobAccepted as _redback_v1_JobAccepted, JobAccepted__Output as _redback_v1_JobAccepted__Output } from './redback/v1/JobAccepted.js';
import type { JobProgress as _redback_v1_JobProgress, JobProgress__Output as _redback_v1_JobProgress__Output } from './redback/v1/JobProgress.js';
import type { JobResult as _redback_v1_JobResult, JobResult__Output as _redback_v1_JobResult__Output } from './redback/v1/JobResult.js';
import type { OffsiteConfig as _redback_v1_OffsiteConfig, OffsiteConfig__Output as _redback_v1_OffsiteConfig__Output } from './redback/v1/OffsiteConfig.js';
import type { ResendInventory as _redback_v1_ResendInventory, ResendInventory__Output as _redback_v1_ResendInventory__Output } from './redback/v1/ResendInventory.js';
import type { Schedule as _redback_v1_Schedule, Schedule__Output as _redback_v1_Schedule__Output } from './redback/v1/Schedule.js';
import type { TierNewest as _redback_v1_TierNewest, TierNewest__Output as _redback_v1_TierNewest__Output } from './redback/v1/TierNewest.js';
import type { Welcome as _redback_v1_Welcome, Welcome__Output as _redback_v1_Welcome__Output } from './redback/v1/Welcome.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  redback: {
    v1: {
      AgentMessage: MessageTypeDefinition<_redback_v1_AgentMessage, _redback_v1_AgentMessage__Output>
      /**
       * The agent dials the coordinator and keeps one Session stream open. Bulk data never travels on
       * the session: cross-host copies use CopyTransfer's streaming calls, so a heartbeat is never
       * stuck behind a file.
       */
      AgentService: SubtypeConstructor<typeof grpc.Client, _redback_v1_AgentServiceClient> & { service: _redback_v1_AgentServiceDefinition }
      ArchiveCoverage: MessageTypeDefinition<_redback_v1_ArchiveCoverage, _redback_v1_ArchiveCoverage__Output>
      ArchiveGapInfo: MessageTypeDefinition<_redback_v1_ArchiveGapInfo, _redback_v1_ArchiveGapInfo__Output>
      ArchiveHealth: MessageTypeDefinition<_redback_v1_ArchiveHealth, _redback_v1_ArchiveHealth__Output>
      Cancel: MessageTypeDefinition<_redback_v1_Cancel, _redback_v1_Cancel__Output>
      Command: MessageTypeDefinition<_redback_v1_Command, _redback_v1_Command__Output>
      CoordinatorMessage: MessageTypeDefinition<_redback_v1_CoordinatorMessage, _redback_v1_CoordinatorMessage__Output>
      CopyEvent: MessageTypeDefinition<_redback_v1_CopyEvent, _redback_v1_CopyEvent__Output>
      CopyRecord: MessageTypeDefinition<_redback_v1_CopyRecord, _redback_v1_CopyRecord__Output>
      Heartbeat: MessageTypeDefinition<_redback_v1_Heartbeat, _redback_v1_Heartbeat__Output>
      Hello: MessageTypeDefinition<_redback_v1_Hello, _redback_v1_Hello__Output>
      InstanceHealth: MessageTypeDefinition<_redback_v1_InstanceHealth, _redback_v1_InstanceHealth__Output>
      InstanceInfo: MessageTypeDefinition<_redback_v1_InstanceInfo, _redback_v1_InstanceInfo__Output>
      InstanceSchedule: MessageTypeDefinition<_redback_v1_InstanceSchedule, _redback_v1_InstanceSchedule__Output>
      Inventory: MessageTypeDefinition<_redback_v1_Inventory, _redback_v1_Inventory__Output>
      JobAccepted: MessageTypeDefinition<_redback_v1_JobAccepted, _redback_v1_JobAccepted__Output>
      JobProgress: MessageTypeDefinition<_redback_v1_JobProgress, _redback_v1_JobProgress__Output>
      JobResult: MessageTypeDefinition<_redback_v1_JobResult, _redback_v1_JobResult__Output>
      OffsiteConfig: MessageTypeDefinition<_redback_v1_OffsiteConfig, _redback_v1_OffsiteConfig__Output>
      ResendInventory: MessageTypeDefinition<_redback_v1_ResendInventory, _redback_v1_ResendInventory__Output>
      Schedule: MessageTypeDefinition<_redback_v1_Schedule, _redback_v1_Schedule__Output>
      TierNewest: MessageTypeDefinition<_redback_v1_TierNewest, _redback_v1_TierNewest__Output>
      Welcome: MessageTypeDefinition<_redback_v1_Welcome, _redback_v1_Welcome__Output>
    }
  }
}

