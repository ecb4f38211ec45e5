import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AgentInfo as _redback_v1_AgentInfo, AgentInfo__Output as _redback_v1_AgentInfo__Output } from './redback/v1/AgentInfo.js';
import type { ApplyPolicyReply as _redback_v1_ApplyPolicyReply, ApplyPolicyReply__Output as _redback_v1_ApplyPolicyReply__Output } from './redback/v1/ApplyPolicyReply.js';
import type { ApplyPolicyRequest as _redback_v1_ApplyPolicyRequest, ApplyPolicyRequest__Output as _redback_v1_ApplyPolicyRequest__Output } from './redback/v1/ApplyPolicyRequest.js';
import type { BackupInfo as _redback_v1_BackupInfo, BackupInfo__Output as _redback_v1_BackupInfo__Output } from './redback/v1/BackupInfo.js';
import type { BackupLocation as _redback_v1_BackupLocation, BackupLocation__Output as _redback_v1_BackupLocation__Output } from './redback/v1/BackupLocation.js';
import type { CancelJobRequest as _redback_v1_CancelJobRequest, CancelJobRequest__Output as _redback_v1_CancelJobRequest__Output } from './redback/v1/CancelJobRequest.js';
import type { ControlServiceClient as _redback_v1_ControlServiceClient, ControlServiceDefinition as _redback_v1_ControlServiceDefinition } from './redback/v1/ControlService.js';
import type { CopyBackupReply as _redback_v1_CopyBackupReply, CopyBackupReply__Output as _redback_v1_CopyBackupReply__Output } from './redback/v1/CopyBackupReply.js';
import type { CopyBackupRequest as _redback_v1_CopyBackupRequest, CopyBackupRequest__Output as _redback_v1_CopyBackupRequest__Output } from './redback/v1/CopyBackupRequest.js';
import type { DrillSummary as _redback_v1_DrillSummary, DrillSummary__Output as _redback_v1_DrillSummary__Output } from './redback/v1/DrillSummary.js';
import type { ForgetAgentReply as _redback_v1_ForgetAgentReply, ForgetAgentReply__Output as _redback_v1_ForgetAgentReply__Output } from './redback/v1/ForgetAgentReply.js';
import type { ForgetAgentRequest as _redback_v1_ForgetAgentRequest, ForgetAgentRequest__Output as _redback_v1_ForgetAgentRequest__Output } from './redback/v1/ForgetAgentRequest.js';
import type { GetJobRequest as _redback_v1_GetJobRequest, GetJobRequest__Output as _redback_v1_GetJobRequest__Output } from './redback/v1/GetJobRequest.js';
import type { InstancePolicy as _redback_v1_InstancePolicy, InstancePolicy__Output as _redback_v1_InstancePolicy__Output } from './redback/v1/InstancePolicy.js';
import type { InstanceStatus as _redback_v1_InstanceStatus, InstanceStatus__Output as _redback_v1_InstanceStatus__Output } from './redback/v1/InstanceStatus.js';
import type { JobEvent as _redback_v1_JobEvent, JobEvent__Output as _redback_v1_JobEvent__Output } from './redback/v1/JobEvent.js';
import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from './redback/v1/JobInfo.js';
import type { ListAgentsReply as _redback_v1_ListAgentsReply, ListAgentsReply__Output as _redback_v1_ListAgentsReply__Output } from './redback/v1/ListAgentsReply.js';
import type { ListAgentsRequest as _redback_v1_ListAgentsRequest, ListAgentsRequest__Output as _redback_v1_ListAgentsRequest__Output } from './redback/v1/ListAgentsRequest.js';
import type { ListBackupsReply as _redback_v1_ListBackupsReply, ListBackupsReply__Output as _redback_v1_ListBackupsReply__Output } from './redback/v1/ListBackupsReply.js';
import type { ListBackupsRequest as _redback_v1_ListBackupsRequest, ListBackupsRequest__Output as _redback_v1_ListBackupsRequest__Output } from './redback/v1/ListBackupsRequest.js';
import type { ListInstancesReply as _redback_v1_ListInstancesReply, ListInstancesReply__Output as _redback_v1_ListInstancesReply__Output } from './redback/v1/ListInstancesReply.js';
import type { ListInstancesRequest as _redback_v1_ListInstancesRequest, ListInstancesRequest__Output as _redback_v1_ListInstancesRequest__Output } from './redback/v1/ListInstancesRequest.js';
import type { ListJobsReply as _redback_v1_ListJobsReply, ListJobsReply__Output as _redback_v1_ListJobsReply__Output } from './redback/v1/ListJobsReply.js';
import type { ListJobsRequest as _redback_v1_ListJobsRequest, ListJobsRequest__Output as _redback_v1_ListJobsRequest__Output } from './redback/v1/ListJobsRequest.js';
import type { ListOffsiteSetsReply as _redback_v1_ListOffsiteSetsReply, ListOffsiteSetsReply__Output as _redback_v1_ListOffsiteSetsReply__Output } from './redback/v1/ListOffsiteSetsReply.js';
import type { ListOffsiteSetsRequest as _redback_v1_ListOffsiteSetsRequest, ListOffsiteSetsRequest__Output as _redback_v1_ListOffsiteSetsRequest__Output } from './redback/v1/ListOffsiteSetsRequest.js';
import type { ObjectVerifyResult as _redback_v1_ObjectVerifyResult, ObjectVerifyResult__Output as _redback_v1_ObjectVerifyResult__Output } from './redback/v1/ObjectVerifyResult.js';
import type { OffsiteObjectInfo as _redback_v1_OffsiteObjectInfo, OffsiteObjectInfo__Output as _redback_v1_OffsiteObjectInfo__Output } from './redback/v1/OffsiteObjectInfo.js';
import type { OffsiteSetInfo as _redback_v1_OffsiteSetInfo, OffsiteSetInfo__Output as _redback_v1_OffsiteSetInfo__Output } from './redback/v1/OffsiteSetInfo.js';
import type { PoliciesReply as _redback_v1_PoliciesReply, PoliciesReply__Output as _redback_v1_PoliciesReply__Output } from './redback/v1/PoliciesReply.js';
import type { PoliciesRequest as _redback_v1_PoliciesRequest, PoliciesRequest__Output as _redback_v1_PoliciesRequest__Output } from './redback/v1/PoliciesRequest.js';
import type { PolicySetting as _redback_v1_PolicySetting, PolicySetting__Output as _redback_v1_PolicySetting__Output } from './redback/v1/PolicySetting.js';
import type { PruneDecision as _redback_v1_PruneDecision, PruneDecision__Output as _redback_v1_PruneDecision__Output } from './redback/v1/PruneDecision.js';
import type { PruneOffsiteReply as _redback_v1_PruneOffsiteReply, PruneOffsiteReply__Output as _redback_v1_PruneOffsiteReply__Output } from './redback/v1/PruneOffsiteReply.js';
import type { PruneOffsiteRequest as _redback_v1_PruneOffsiteRequest, PruneOffsiteRequest__Output as _redback_v1_PruneOffsiteRequest__Output } from './redback/v1/PruneOffsiteRequest.js';
import type { RebuildCatalogReply as _redback_v1_RebuildCatalogReply, RebuildCatalogReply__Output as _redback_v1_RebuildCatalogReply__Output } from './redback/v1/RebuildCatalogReply.js';
import type { RebuildCatalogRequest as _redback_v1_RebuildCatalogRequest, RebuildCatalogRequest__Output as _redback_v1_RebuildCatalogRequest__Output } from './redback/v1/RebuildCatalogRequest.js';
import type { RecoverRequest as _redback_v1_RecoverRequest, RecoverRequest__Output as _redback_v1_RecoverRequest__Output } from './redback/v1/RecoverRequest.js';
import type { RecoveryWindowInfo as _redback_v1_RecoveryWindowInfo, RecoveryWindowInfo__Output as _redback_v1_RecoveryWindowInfo__Output } from './redback/v1/RecoveryWindowInfo.js';
import type { RestoreCandidate as _redback_v1_RestoreCandidate, RestoreCandidate__Output as _redback_v1_RestoreCandidate__Output } from './redback/v1/RestoreCandidate.js';
import type { RestorePlan as _redback_v1_RestorePlan, RestorePlan__Output as _redback_v1_RestorePlan__Output } from './redback/v1/RestorePlan.js';
import type { RestoreRequest as _redback_v1_RestoreRequest, RestoreRequest__Output as _redback_v1_RestoreRequest__Output } from './redback/v1/RestoreRequest.js';
import type { SetVerifyResult as _redback_v1_SetVerifyResult, SetVerifyResult__Output as _redback_v1_SetVerifyResult__Output } from './redback/v1/SetVerifyResult.js';
import type { StatusReply as _redback_v1_StatusReply, StatusReply__Output as _redback_v1_StatusReply__Output } from './redback/v1/StatusReply.js';
import type { StatusRequest as _redback_v1_StatusRequest, StatusRequest__Output as _redback_v1_StatusRequest__Output } from './redback/v1/StatusRequest.js';
import type { TriggerBackupRequest as _redback_v1_TriggerBackupRequest, TriggerBackupRequest__Output as _redback_v1_TriggerBackupRequest__Output } from './redback/v1/TriggerBackupRequest.js';
import type { TriggerDrillRequest as _redback_v1_TriggerDrillRequest, TriggerDrillRequest__Output as _redback_v1_TriggerDrillRequest__Output } from './redback/v1/TriggerDrillRequest.js';
import type { TriggerFleetBackupRequest as _redback_v1_TriggerFleetBackupRequest, TriggerFleetBackupRequest__Output as _redback_v1_TriggerFleetBackupRequest__Output } from './redback/v1/TriggerFleetBackupRequest.js';
import type { TriggerFleetUploadRequest as _redback_v1_TriggerFleetUploadRequest, TriggerFleetUploadRequest__Output as _redback_v1_TriggerFleetUploadRequest__Output } from './redback/v1/TriggerFleetUploadRequest.js';
import type { TriggerUploadRequest as _redback_v1_TriggerUploadRequest, TriggerUploadRequest__Output as _redback_v1_TriggerUploadRequest__Output } from './redback/v1/TriggerUploadRequest.js';
import type { VerifyOffsiteEvent as _redback_v1_VerifyOffsiteEvent, VerifyOffsiteEvent__Output as _redback_v1_VerifyOffsiteEvent__Output } from './redback/v1/VerifyOffsiteEvent.js';
import type { VerifyOffsiteRequest as _redback_v1_VerifyOffsiteRequest, VerifyOffsiteRequest__Output as _redback_v1_VerifyOffsiteRequest__Output } from './redback/v1/VerifyOffsiteRequest.js';
import type { VerifyProgress as _redback_v1_VerifyProgress, VerifyProgress__Output as _redback_v1_VerifyProgress__Output } from './redback/v1/VerifyProgress.js';
import type { WatchJobRequest as _redback_v1_WatchJobRequest, WatchJobRequest__Output as _redback_v1_WatchJobRequest__Output } from './redback/v1/WatchJobRequest.js';
import type { WindowSpan as _redback_v1_WindowSpan, WindowSpan__Output as _redback_v1_WindowSpan__Output } from './redback/v1/WindowSpan.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  redback: {
    v1: {
      AgentInfo: MessageTypeDefinition<_redback_v1_AgentInfo, _redback_v1_AgentInfo__Output>
      ApplyPolicyReply: MessageTypeDefinition<_redback_v1_ApplyPolicyReply, _redback_v1_ApplyPolicyReply__Output>
      ApplyPolicyRequest: MessageTypeDefinition<_redback_v1_ApplyPolicyRequest, _redback_v1_ApplyPolicyRequest__Output>
      BackupInfo: MessageTypeDefinition<_redback_v1_BackupInfo, _redback_v1_BackupInfo__Output>
      BackupLocation: MessageTypeDefinition<_redback_v1_BackupLocation, _redback_v1_BackupLocation__Output>
      CancelJobRequest: MessageTypeDefinition<_redback_v1_CancelJobRequest, _redback_v1_CancelJobRequest__Output>
      /**
       * The operator's view of the fleet (the redback CLI). Every call needs the admin token.
       */
      ControlService: SubtypeConstructor<typeof grpc.Client, _redback_v1_ControlServiceClient> & { service: _redback_v1_ControlServiceDefinition }
      CopyBackupReply: MessageTypeDefinition<_redback_v1_CopyBackupReply, _redback_v1_CopyBackupReply__Output>
      CopyBackupRequest: MessageTypeDefinition<_redback_v1_CopyBackupRequest, _redback_v1_CopyBackupRequest__Output>
      DrillSummary: MessageTypeDefinition<_redback_v1_DrillSummary, _redback_v1_DrillSummary__Output>
      ForgetAgentReply: MessageTypeDefinition<_redback_v1_ForgetAgentReply, _redback_v1_ForgetAgentReply__Output>
      ForgetAgentRequest: MessageTypeDefinition<_redback_v1_ForgetAgentRequest, _redback_v1_ForgetAgentRequest__Output>
      GetJobRequest: MessageTypeDefinition<_redback_v1_GetJobRequest, _redback_v1_GetJobRequest__Output>
      InstancePolicy: MessageTypeDefinition<_redback_v1_InstancePolicy, _redback_v1_InstancePolicy__Output>
      InstanceStatus: MessageTypeDefinition<_redback_v1_InstanceStatus, _redback_v1_InstanceStatus__Output>
      JobEvent: MessageTypeDefinition<_redback_v1_JobEvent, _redback_v1_JobEvent__Output>
      JobInfo: MessageTypeDefinition<_redback_v1_JobInfo, _redback_v1_JobInfo__Output>
      ListAgentsReply: MessageTypeDefinition<_redback_v1_ListAgentsReply, _redback_v1_ListAgentsReply__Output>
      ListAgentsRequest: MessageTypeDefinition<_redback_v1_ListAgentsRequest, _redback_v1_ListAgentsRequest__Output>
      ListBackupsReply: MessageTypeDefinition<_redback_v1_ListBackupsReply, _redback_v1_ListBackupsReply__Output>
      ListBackupsRequest: MessageTypeDefinition<_redback_v1_ListBackupsRequest, _redback_v1_ListBackupsRequest__Output>
      ListInstancesReply: MessageTypeDefinition<_redback_v1_ListInstancesReply, _redback_v1_ListInstancesReply__Output>
      ListInstancesRequest: MessageTypeDefinition<_redback_v1_ListInstancesRequest, _redback_v1_ListInstancesRequest__Output>
      ListJobsReply: MessageTypeDefinition<_redback_v1_ListJobsReply, _redback_v1_ListJobsReply__Output>
      ListJobsRequest: MessageTypeDefinition<_redback_v1_ListJobsRequest, _redback_v1_ListJobsRequest__Output>
      ListOffsiteSetsReply: MessageTypeDefinition<_redback_v1_ListOffsiteSetsReply, _redback_v1_ListOffsiteSetsReply__Output>
      ListOffsiteSetsRequest: MessageTypeDefinition<_redback_v1_ListOffsiteSetsRequest, _redback_v1_ListOffsiteSetsRequest__Output>
      ObjectVerifyResult: MessageTypeDefinition<_redback_v1_ObjectVerifyResult, _redback_v1_ObjectVerifyResult__Output>
      OffsiteObjectInfo: MessageTypeDefinition<_redback_v1_OffsiteObjectInfo, _redback_v1_OffsiteObjectInfo__Output>
      OffsiteSetInfo: MessageTypeDefinition<_redback_v1_OffsiteSetInfo, _redback_v1_OffsiteSetInfo__Output>
      PoliciesReply: MessageTypeDefinition<_redback_v1_PoliciesReply, _redback_v1_PoliciesReply__Output>
      PoliciesRequest: MessageTypeDefinition<_redback_v1_PoliciesRequest, _redback_v1_PoliciesRequest__Output>
      PolicySetting: MessageTypeDefinition<_redback_v1_PolicySetting, _redback_v1_PolicySetting__Output>
      PruneDecision: MessageTypeDefinition<_redback_v1_PruneDecision, _redback_v1_PruneDecision__Output>
      PruneOffsiteReply: MessageTypeDefinition<_redback_v1_PruneOffsiteReply, _redback_v1_PruneOffsiteReply__Output>
      PruneOffsiteRequest: MessageTypeDefinition<_redback_v1_PruneOffsiteRequest, _redback_v1_PruneOffsiteRequest__Output>
      RebuildCatalogReply: MessageTypeDefinition<_redback_v1_RebuildCatalogReply, _redback_v1_RebuildCatalogReply__Output>
      RebuildCatalogRequest: MessageTypeDefinition<_redback_v1_RebuildCatalogRequest, _redback_v1_RebuildCatalogRequest__Output>
      RecoverRequest: MessageTypeDefinition<_redback_v1_RecoverRequest, _redback_v1_RecoverRequest__Output>
      RecoveryWindowInfo: MessageTypeDefinition<_redback_v1_RecoveryWindowInfo, _redback_v1_RecoveryWindowInfo__Output>
      RestoreCandidate: MessageTypeDefinition<_redback_v1_RestoreCandidate, _redback_v1_RestoreCandidate__Output>
      RestorePlan: MessageTypeDefinition<_redback_v1_RestorePlan, _redback_v1_RestorePlan__Output>
      RestoreRequest: MessageTypeDefinition<_redback_v1_RestoreRequest, _redback_v1_RestoreRequest__Output>
      SetVerifyResult: MessageTypeDefinition<_redback_v1_SetVerifyResult, _redback_v1_SetVerifyResult__Output>
      StatusReply: MessageTypeDefinition<_redback_v1_StatusReply, _redback_v1_StatusReply__Output>
      StatusRequest: MessageTypeDefinition<_redback_v1_StatusRequest, _redback_v1_StatusRequest__Output>
      TriggerBackupRequest: MessageTypeDefinition<_redback_v1_TriggerBackupRequest, _redback_v1_TriggerBackupRequest__Output>
      TriggerDrillRequest: MessageTypeDefinition<_redback_v1_TriggerDrillRequest, _redback_v1_TriggerDrillRequest__Output>
      TriggerFleetBackupRequest: MessageTypeDefinition<_redback_v1_TriggerFleetBackupRequest, _redback_v1_TriggerFleetBackupRequest__Output>
      TriggerFleetUploadRequest: MessageTypeDefinition<_redback_v1_TriggerFleetUploadRequest, _redback_v1_TriggerFleetUploadRequest__Output>
      TriggerUploadRequest: MessageTypeDefinition<_redback_v1_TriggerUploadRequest, _redback_v1_TriggerUploadRequest__Output>
      VerifyOffsiteEvent: MessageTypeDefinition<_redback_v1_VerifyOffsiteEvent, _redback_v1_VerifyOffsiteEvent__Output>
      VerifyOffsiteRequest: MessageTypeDefinition<_redback_v1_VerifyOffsiteRequest, _redback_v1_VerifyOffsiteRequest__Output>
      VerifyProgress: MessageTypeDefinition<_redback_v1_VerifyProgress, _redback_v1_VerifyProgress__Output>
      WatchJobRequest: MessageTypeDefinition<_redback_v1_WatchJobRequest, _redback_v1_WatchJobRequest__Output>
      WindowSpan: MessageTypeDefinition<_redback_v1_WindowSpan, _redback_v1_WindowSpan__Output>
    }
  }
}

