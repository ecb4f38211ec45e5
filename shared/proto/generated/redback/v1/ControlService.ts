// Original file: proto/redback/v1/control.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ApplyPolicyReply as _redback_v1_ApplyPolicyReply, ApplyPolicyReply__Output as _redback_v1_ApplyPolicyReply__Output } from '../../redback/v1/ApplyPolicyReply.js';
import type { ApplyPolicyRequest as _redback_v1_ApplyPolicyRequest, ApplyPolicyRequest__Output as _redback_v1_ApplyPolicyRequest__Output } from '../../redback/v1/ApplyPolicyRequest.js';
import type { CancelJobRequest as _redback_v1_CancelJobRequest, CancelJobRequest__Output as _redback_v1_CancelJobRequest__Output } from '../../redback/v1/CancelJobRequest.js';
import type { CopyBackupReply as _redback_v1_CopyBackupReply, CopyBackupReply__Output as _redback_v1_CopyBackupReply__Output } from '../../redback/v1/CopyBackupReply.js';
import type { CopyBackupRequest as _redback_v1_CopyBackupRequest, CopyBackupRequest__Output as _redback_v1_CopyBackupRequest__Output } from '../../redback/v1/CopyBackupRequest.js';
import type { ForgetAgentReply as _redback_v1_ForgetAgentReply, ForgetAgentReply__Output as _redback_v1_ForgetAgentReply__Output } from '../../redback/v1/ForgetAgentReply.js';
import type { ForgetAgentRequest as _redback_v1_ForgetAgentRequest, ForgetAgentRequest__Output as _redback_v1_ForgetAgentRequest__Output } from '../../redback/v1/ForgetAgentRequest.js';
import type { GetJobRequest as _redback_v1_GetJobRequest, GetJobRequest__Output as _redback_v1_GetJobRequest__Output } from '../../redback/v1/GetJobRequest.js';
import type { JobEvent as _redback_v1_JobEvent, JobEvent__Output as _redback_v1_JobEvent__Output } from '../../redback/v1/JobEvent.js';
import type { JobInfo as _redback_v1_JobInfo, JobInfo__Output as _redback_v1_JobInfo__Output } from '../../redback/v1/JobInfo.js';
import type { ListAgentsReply as _redback_v1_ListAgentsReply, ListAgentsReply__Output as _redback_v1_ListAgentsReply__Output } from '../../redback/v1/ListAgentsReply.js';
import type { ListAgentsRequest as _redback_v1_ListAgentsRequest, ListAgentsRequest__Output as _redback_v1_ListAgentsRequest__Output } from '../../redback/v1/ListAgentsRequest.js';
import type { ListBackupsReply as _redback_v1_ListBackupsReply, ListBackupsReply__Output as _redback_v1_ListBackupsReply__Output } from '../../redback/v1/ListBackupsReply.js';
import type { ListBackupsRequest as _redback_v1_ListBackupsRequest, ListBackupsRequest__Output as _redback_v1_ListBackupsRequest__Output } from '../../redback/v1/ListBackupsRequest.js';
import type { ListInstancesReply as _redback_v1_ListInstancesReply, ListInstancesReply__Output as _redback_v1_ListInstancesReply__Output } from '../../redback/v1/ListInstancesReply.js';
import type { ListInstancesRequest as _redback_v1_ListInstancesRequest, ListInstancesRequest__Output as _redback_v1_ListInstancesRequest__Output } from '../../redback/v1/ListInstancesRequest.js';
import type { ListJobsReply as _redback_v1_ListJobsReply, ListJobsReply__Output as _redback_v1_ListJobsReply__Output } from '../../redback/v1/ListJobsReply.js';
import type { ListJobsRequest as _redback_v1_ListJobsRequest, ListJobsRequest__Output as _redback_v1_ListJobsRequest__Output } from '../../redback/v1/ListJobsRequest.js';
import type { ListOffsiteSetsReply as _redback_v1_ListOffsiteSetsReply, ListOffsiteSetsReply__Output as _redback_v1_ListOffsiteSetsReply__Output } from '../../redback/v1/ListOffsiteSetsReply.js';
import type { ListOffsiteSetsRequest as _redback_v1_ListOffsiteSetsRequest, ListOffsiteSetsRequest__Output as _redback_v1_ListOffsiteSetsRequest__Output } from '../../redback/v1/ListOffsiteSetsRequest.js';
import type { PoliciesReply as _redback_v1_PoliciesReply, PoliciesReply__Output as _redback_v1_PoliciesReply__Output } from '../../redback/v1/PoliciesReply.js';
import type { PoliciesRequest as _redback_v1_PoliciesRequest, PoliciesRequest__Output as _redback_v1_PoliciesRequest__Output } from '../../redback/v1/PoliciesRequest.js';
import type { PruneOffsiteReply as _redback_v1_PruneOffsiteReply, PruneOffsiteReply__Output as _redback_v1_PruneOffsiteReply__Output } from '../../redback/v1/PruneOffsiteReply.js';
import type { PruneOffsiteRequest as _redback_v1_PruneOffsiteRequest, PruneOffsiteRequest__Output as _redback_v1_PruneOffsiteRequest__Output } from '../../redback/v1/PruneOffsiteRequest.js';
import type { RebuildCatalogReply as _redback_v1_RebuildCatalogReply, RebuildCatalogReply__Output as _redback_v1_RebuildCatalogReply__Output } from '../../redback/v1/RebuildCatalogReply.js';
import type { RebuildCatalogRequest as _redback_v1_RebuildCatalogRequest, RebuildCatalogRequest__Output as _redback_v1_RebuildCatalogRequest__Output } from '../../redback/v1/RebuildCatalogRequest.js';
import type { RecoverRequest as _redback_v1_RecoverRequest, RecoverRequest__Output as _redback_v1_RecoverRequest__Output } from '../../redback/v1/RecoverRequest.js';
import type { RestorePlan as _redback_v1_RestorePlan, RestorePlan__Output as _redback_v1_RestorePlan__Output } from '../../redback/v1/RestorePlan.js';
import type { RestoreRequest as _redback_v1_RestoreRequest, RestoreRequest__Output as _redback_v1_RestoreRequest__Output } from '../../redback/v1/RestoreRequest.js';
import type { StatusReply as _redback_v1_StatusReply, StatusReply__Output as _redback_v1_StatusReply__Output } from '../../redback/v1/StatusReply.js';
import type { StatusRequest as _redback_v1_StatusRequest, StatusRequest__Output as _redback_v1_StatusRequest__Output } from '../../redback/v1/StatusRequest.js';
import type { TriggerBackupRequest as _redback_v1_TriggerBackupRequest, TriggerBackupRequest__Output as _redback_v1_TriggerBackupRequest__Output } from '../../redback/v1/TriggerBackupRequest.js';
import type { TriggerDrillRequest as _redback_v1_TriggerDrillRequest, TriggerDrillRequest__Output as _redback_v1_TriggerDrillRequest__Output } from '../../redback/v1/TriggerDrillRequest.js';
import type { TriggerFleetBackupRequest as _redback_v1_TriggerFleetBackupRequest, TriggerFleetBackupRequest__Output as _redback_v1_TriggerFleetBackupRequest__Output } from '../../redback/v1/TriggerFleetBackupRequest.js';
import type { TriggerFleetUploadRequest as _redback_v1_TriggerFleetUploadRequest, TriggerFleetUploadRequest__Output as _redback_v1_TriggerFleetUploadRequest__Output } from '../../redback/v1/TriggerFleetUploadRequest.js';
import type { TriggerUploadRequest as _redback_v1_TriggerUploadRequest, TriggerUploadRequest__Output as _redback_v1_TriggerUploadRequest__Output } from '../../redback/v1/TriggerUploadRequest.js';
import type { VerifyOffsiteEvent as _redback_v1_VerifyOffsiteEvent, VerifyOffsiteEvent__Output as _redback_v1_VerifyOffsiteEvent__Output } from '../../redback/v1/VerifyOffsiteEvent.js';
import type { VerifyOffsiteRequest as _redback_v1_VerifyOffsiteRequest, VerifyOffsiteRequest__Output as _redback_v1_VerifyOffsiteRequest__Output } from '../../redback/v1/VerifyOffsiteRequest.js';
import type { WatchJobRequest as _redback_v1_WatchJobRequest, WatchJobRequest__Output as _redback_v1_WatchJobRequest__Output } from '../../redback/v1/WatchJobRequest.js';

/**
 * The operator's view of the fleet (the redback CLI). Every call needs the admin token.
 */
export interface ControlServiceClient extends grpc.Client {
  /**
   * One policy-apply job per instance that has a policy (dry_run: list the changes only).
   */
  ApplyPolicy(argument: _redback_v1_ApplyPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  ApplyPolicy(argument: _redback_v1_ApplyPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  ApplyPolicy(argument: _redback_v1_ApplyPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  ApplyPolicy(argument: _redback_v1_ApplyPolicyRequest, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  /**
   * One policy-apply job per instance that has a policy (dry_run: list the changes only).
   */
  applyPolicy(argument: _redback_v1_ApplyPolicyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  applyPolicy(argument: _redback_v1_ApplyPolicyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  applyPolicy(argument: _redback_v1_ApplyPolicyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  applyPolicy(argument: _redback_v1_ApplyPolicyRequest, callback: grpc.requestCallback<_redback_v1_ApplyPolicyReply__Output>): grpc.ClientUnaryCall;
  
  CancelJob(argument: _redback_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _redback_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _redback_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _redback_v1_CancelJobRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _redback_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _redback_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _redback_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _redback_v1_CancelJobRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * Moves a copy from the agent that holds it to another agent's backup directory, relayed by the
   * coordinator (TransferService); the reply names the receiving job to follow.
   */
  CopyBackup(argument: _redback_v1_CopyBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  CopyBackup(argument: _redback_v1_CopyBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  CopyBackup(argument: _redback_v1_CopyBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  CopyBackup(argument: _redback_v1_CopyBackupRequest, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  /**
   * Moves a copy from the agent that holds it to another agent's backup directory, relayed by the
   * coordinator (TransferService); the reply names the receiving job to follow.
   */
  copyBackup(argument: _redback_v1_CopyBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  copyBackup(argument: _redback_v1_CopyBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  copyBackup(argument: _redback_v1_CopyBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  copyBackup(argument: _redback_v1_CopyBackupRequest, callback: grpc.requestCallback<_redback_v1_CopyBackupReply__Output>): grpc.ClientUnaryCall;
  
  ForgetAgent(argument: _redback_v1_ForgetAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  ForgetAgent(argument: _redback_v1_ForgetAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  ForgetAgent(argument: _redback_v1_ForgetAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  ForgetAgent(argument: _redback_v1_ForgetAgentRequest, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  forgetAgent(argument: _redback_v1_ForgetAgentRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  forgetAgent(argument: _redback_v1_ForgetAgentRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  forgetAgent(argument: _redback_v1_ForgetAgentRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  forgetAgent(argument: _redback_v1_ForgetAgentRequest, callback: grpc.requestCallback<_redback_v1_ForgetAgentReply__Output>): grpc.ClientUnaryCall;
  
  GetJob(argument: _redback_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _redback_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _redback_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _redback_v1_GetJobRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  getJob(argument: _redback_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  getJob(argument: _redback_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  getJob(argument: _redback_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  getJob(argument: _redback_v1_GetJobRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * Persistence policy: every instance's settings against its policy, drift marked.
   */
  GetPolicies(argument: _redback_v1_PoliciesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  GetPolicies(argument: _redback_v1_PoliciesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  GetPolicies(argument: _redback_v1_PoliciesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  GetPolicies(argument: _redback_v1_PoliciesRequest, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  /**
   * Persistence policy: every instance's settings against its policy, drift marked.
   */
  getPolicies(argument: _redback_v1_PoliciesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  getPolicies(argument: _redback_v1_PoliciesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  getPolicies(argument: _redback_v1_PoliciesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  getPolicies(argument: _redback_v1_PoliciesRequest, callback: grpc.requestCallback<_redback_v1_PoliciesReply__Output>): grpc.ClientUnaryCall;
  
  GetStatus(argument: _redback_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _redback_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _redback_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  GetStatus(argument: _redback_v1_StatusRequest, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _redback_v1_StatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _redback_v1_StatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _redback_v1_StatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  getStatus(argument: _redback_v1_StatusRequest, callback: grpc.requestCallback<_redback_v1_StatusReply__Output>): grpc.ClientUnaryCall;
  
  ListAgents(argument: _redback_v1_ListAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _redback_v1_ListAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _redback_v1_ListAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  ListAgents(argument: _redback_v1_ListAgentsRequest, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _redback_v1_ListAgentsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _redback_v1_ListAgentsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _redback_v1_ListAgentsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  listAgents(argument: _redback_v1_ListAgentsRequest, callback: grpc.requestCallback<_redback_v1_ListAgentsReply__Output>): grpc.ClientUnaryCall;
  
  ListBackups(argument: _redback_v1_ListBackupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  ListBackups(argument: _redback_v1_ListBackupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  ListBackups(argument: _redback_v1_ListBackupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  ListBackups(argument: _redback_v1_ListBackupsRequest, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _redback_v1_ListBackupsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _redback_v1_ListBackupsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _redback_v1_ListBackupsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  listBackups(argument: _redback_v1_ListBackupsRequest, callback: grpc.requestCallback<_redback_v1_ListBackupsReply__Output>): grpc.ClientUnaryCall;
  
  ListInstances(argument: _redback_v1_ListInstancesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  ListInstances(argument: _redback_v1_ListInstancesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  ListInstances(argument: _redback_v1_ListInstancesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  ListInstances(argument: _redback_v1_ListInstancesRequest, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  listInstances(argument: _redback_v1_ListInstancesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  listInstances(argument: _redback_v1_ListInstancesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  listInstances(argument: _redback_v1_ListInstancesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  listInstances(argument: _redback_v1_ListInstancesRequest, callback: grpc.requestCallback<_redback_v1_ListInstancesReply__Output>): grpc.ClientUnaryCall;
  
  ListJobs(argument: _redback_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _redback_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _redback_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _redback_v1_ListJobsRequest, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _redback_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _redback_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _redback_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _redback_v1_ListJobsRequest, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  
  ListOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  ListOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  ListOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  ListOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  listOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  listOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  listOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  listOffsiteSets(argument: _redback_v1_ListOffsiteSetsRequest, callback: grpc.requestCallback<_redback_v1_ListOffsiteSetsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Recover: the agent of the instance diagnoses it and runs the runbook that fixes it.
   */
  PlanRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  PlanRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  PlanRecover(argument: _redback_v1_RecoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  PlanRecover(argument: _redback_v1_RecoverRequest, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  /**
   * Recover: the agent of the instance diagnoses it and runs the runbook that fixes it.
   */
  planRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  planRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  planRecover(argument: _redback_v1_RecoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  planRecover(argument: _redback_v1_RecoverRequest, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  
  /**
   * Restores (issue 9): the coordinator picks the source from the catalog, the target's agent runs
   * its one restore runbook. Plan* choose and ask the target agent for a dry run (nothing changes);
   * Start* create the job (follow it with WatchJob).
   */
  PlanRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  PlanRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  PlanRestore(argument: _redback_v1_RestoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  PlanRestore(argument: _redback_v1_RestoreRequest, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  /**
   * Restores (issue 9): the coordinator picks the source from the catalog, the target's agent runs
   * its one restore runbook. Plan* choose and ask the target agent for a dry run (nothing changes);
   * Start* create the job (follow it with WatchJob).
   */
  planRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  planRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  planRestore(argument: _redback_v1_RestoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  planRestore(argument: _redback_v1_RestoreRequest, callback: grpc.requestCallback<_redback_v1_RestorePlan__Output>): grpc.ClientUnaryCall;
  
  /**
   * Offsite retention: the plan with a reason per set; deletes unless dry_run.
   */
  PruneOffsite(argument: _redback_v1_PruneOffsiteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  PruneOffsite(argument: _redback_v1_PruneOffsiteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  PruneOffsite(argument: _redback_v1_PruneOffsiteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  PruneOffsite(argument: _redback_v1_PruneOffsiteRequest, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  /**
   * Offsite retention: the plan with a reason per set; deletes unless dry_run.
   */
  pruneOffsite(argument: _redback_v1_PruneOffsiteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  pruneOffsite(argument: _redback_v1_PruneOffsiteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  pruneOffsite(argument: _redback_v1_PruneOffsiteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  pruneOffsite(argument: _redback_v1_PruneOffsiteRequest, callback: grpc.requestCallback<_redback_v1_PruneOffsiteReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * Rebuilds the catalog's index from the offsite manifests and the connected agents' inventories.
   */
  RebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  RebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  RebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  RebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  /**
   * Rebuilds the catalog's index from the offsite manifests and the connected agents' inventories.
   */
  rebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  rebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  rebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  rebuildCatalog(argument: _redback_v1_RebuildCatalogRequest, callback: grpc.requestCallback<_redback_v1_RebuildCatalogReply__Output>): grpc.ClientUnaryCall;
  
  StartRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  StartRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  StartRecover(argument: _redback_v1_RecoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  StartRecover(argument: _redback_v1_RecoverRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRecover(argument: _redback_v1_RecoverRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRecover(argument: _redback_v1_RecoverRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRecover(argument: _redback_v1_RecoverRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  
  StartRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  StartRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  StartRestore(argument: _redback_v1_RestoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  StartRestore(argument: _redback_v1_RestoreRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRestore(argument: _redback_v1_RestoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRestore(argument: _redback_v1_RestoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  startRestore(argument: _redback_v1_RestoreRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  
  TriggerBackup(argument: _redback_v1_TriggerBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerBackup(argument: _redback_v1_TriggerBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerBackup(argument: _redback_v1_TriggerBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerBackup(argument: _redback_v1_TriggerBackupRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerBackup(argument: _redback_v1_TriggerBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerBackup(argument: _redback_v1_TriggerBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerBackup(argument: _redback_v1_TriggerBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerBackup(argument: _redback_v1_TriggerBackupRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * A restore drill of one instance (a 'drill' job on its agent): restores a copy into a scratch
   * redis-server (or another instance), checks the key counts, measures the recovery time.
   */
  TriggerDrill(argument: _redback_v1_TriggerDrillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerDrill(argument: _redback_v1_TriggerDrillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerDrill(argument: _redback_v1_TriggerDrillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerDrill(argument: _redback_v1_TriggerDrillRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  /**
   * A restore drill of one instance (a 'drill' job on its agent): restores a copy into a scratch
   * redis-server (or another instance), checks the key counts, measures the recovery time.
   */
  triggerDrill(argument: _redback_v1_TriggerDrillRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerDrill(argument: _redback_v1_TriggerDrillRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerDrill(argument: _redback_v1_TriggerDrillRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerDrill(argument: _redback_v1_TriggerDrillRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * A copy of every instance in the fleet now (one job per instance).
   */
  TriggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  TriggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  TriggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  TriggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  /**
   * A copy of every instance in the fleet now (one job per instance).
   */
  triggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  triggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  triggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  triggerFleetBackup(argument: _redback_v1_TriggerFleetBackupRequest, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * An offsite set of every instance, started as the upload caps allow; the reply lists the jobs started now.
   */
  TriggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  TriggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  TriggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  TriggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  /**
   * An offsite set of every instance, started as the upload caps allow; the reply lists the jobs started now.
   */
  triggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  triggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  triggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  triggerFleetUpload(argument: _redback_v1_TriggerFleetUploadRequest, callback: grpc.requestCallback<_redback_v1_ListJobsReply__Output>): grpc.ClientUnaryCall;
  
  /**
   * An offsite set of one instance now (an 'upload' job on its agent).
   */
  TriggerUpload(argument: _redback_v1_TriggerUploadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerUpload(argument: _redback_v1_TriggerUploadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerUpload(argument: _redback_v1_TriggerUploadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  TriggerUpload(argument: _redback_v1_TriggerUploadRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  /**
   * An offsite set of one instance now (an 'upload' job on its agent).
   */
  triggerUpload(argument: _redback_v1_TriggerUploadRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerUpload(argument: _redback_v1_TriggerUploadRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerUpload(argument: _redback_v1_TriggerUploadRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  triggerUpload(argument: _redback_v1_TriggerUploadRequest, callback: grpc.requestCallback<_redback_v1_JobInfo__Output>): grpc.ClientUnaryCall;
  
  /**
   * Re-reads sets in the store (the coordinator reads, never writes); streams progress, then one result per set.
   */
  VerifyOffsite(argument: _redback_v1_VerifyOffsiteRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_VerifyOffsiteEvent__Output>;
  VerifyOffsite(argument: _redback_v1_VerifyOffsiteRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_VerifyOffsiteEvent__Output>;
  /**
   * Re-reads sets in the store (the coordinator reads, never writes); streams progress, then one result per set.
   */
  verifyOffsite(argument: _redback_v1_VerifyOffsiteRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_VerifyOffsiteEvent__Output>;
  verifyOffsite(argument: _redback_v1_VerifyOffsiteRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_VerifyOffsiteEvent__Output>;
  
  /**
   * Streams a job's events until it ends (the first message is its current state).
   */
  WatchJob(argument: _redback_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_JobEvent__Output>;
  WatchJob(argument: _redback_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_JobEvent__Output>;
  /**
   * Streams a job's events until it ends (the first message is its current state).
   */
  watchJob(argument: _redback_v1_WatchJobRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_JobEvent__Output>;
  watchJob(argument: _redback_v1_WatchJobRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_JobEvent__Output>;
  
}

/**
 * The operator's view of the fleet (the redback CLI). Every call needs the admin token.
 */
export interface ControlServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * One policy-apply job per instance that has a policy (dry_run: list the changes only).
   */
  ApplyPolicy: grpc.handleUnaryCall<_redback_v1_ApplyPolicyRequest__Output, _redback_v1_ApplyPolicyReply>;
  
  CancelJob: grpc.handleUnaryCall<_redback_v1_CancelJobRequest__Output, _redback_v1_JobInfo>;
  
  /**
   * Moves a copy from the agent that holds it to another agent's backup directory, relayed by the
   * coordinator (TransferService); the reply names the receiving job to follow.
   */
  CopyBackup: grpc.handleUnaryCall<_redback_v1_CopyBackupRequest__Output, _redback_v1_CopyBackupReply>;
  
  ForgetAgent: grpc.handleUnaryCall<_redback_v1_ForgetAgentRequest__Output, _redback_v1_ForgetAgentReply>;
  
  GetJob: grpc.handleUnaryCall<_redback_v1_GetJobRequest__Output, _redback_v1_JobInfo>;
  
  /**
   * Persistence policy: every instance's settings against its policy, drift marked.
   */
  GetPolicies: grpc.handleUnaryCall<_redback_v1_PoliciesRequest__Output, _redback_v1_PoliciesReply>;
  
  GetStatus: grpc.handleUnaryCall<_redback_v1_StatusRequest__Output, _redback_v1_StatusReply>;
  
  ListAgents: grpc.handleUnaryCall<_redback_v1_ListAgentsRequest__Output, _redback_v1_ListAgentsReply>;
  
  ListBackups: grpc.handleUnaryCall<_redback_v1_ListBackupsRequest__Output, _redback_v1_ListBackupsReply>;
  
  ListInstances: grpc.handleUnaryCall<_redback_v1_ListInstancesRequest__Output, _redback_v1_ListInstancesReply>;
  
  ListJobs: grpc.handleUnaryCall<_redback_v1_ListJobsRequest__Output, _redback_v1_ListJobsReply>;
  
  ListOffsiteSets: grpc.handleUnaryCall<_redback_v1_ListOffsiteSetsRequest__Output, _redback_v1_ListOffsiteSetsReply>;
  
  /**
   * Recover: the agent of the instance diagnoses it and runs the runbook that fixes it.
   */
  PlanRecover: grpc.handleUnaryCall<_redback_v1_RecoverRequest__Output, _redback_v1_RestorePlan>;
  
  /**
   * Restores (issue 9): the coordinator picks the source from the catalog, the target's agent runs
   * its one restore runbook. Plan* choose and ask the target agent for a dry run (nothing changes);
   * Start* create the job (follow it with WatchJob).
   */
  PlanRestore: grpc.handleUnaryCall<_redback_v1_RestoreRequest__Output, _redback_v1_RestorePlan>;
  
  /**
   * Offsite retention: the plan with a reason per set; deletes unless dry_run.
   */
  PruneOffsite: grpc.handleUnaryCall<_redback_v1_PruneOffsiteRequest__Output, _redback_v1_PruneOffsiteReply>;
  
  /**
   * Rebuilds the catalog's index from the offsite manifests and the connected agents' inventories.
   */
  RebuildCatalog: grpc.handleUnaryCall<_redback_v1_RebuildCatalogRequest__Output, _redback_v1_RebuildCatalogReply>;
  
  StartRecover: grpc.handleUnaryCall<_redback_v1_RecoverRequest__Output, _redback_v1_JobInfo>;
  
  StartRestore: grpc.handleUnaryCall<_redback_v1_RestoreRequest__Output, _redback_v1_JobInfo>;
  
  TriggerBackup: grpc.handleUnaryCall<_redback_v1_TriggerBackupRequest__Output, _redback_v1_JobInfo>;
  
  /**
   * A restore drill of one instance (a 'drill' job on its agent): restores a copy into a scratch
   * redis-server (or another instance), checks the key counts, measures the recovery time.
   */
  TriggerDrill: grpc.handleUnaryCall<_redback_v1_TriggerDrillRequest__Output, _redback_v1_JobInfo>;
  
  /**
   * A copy of every instance in the fleet now (one job per instance).
   */
  TriggerFleetBackup: grpc.handleUnaryCall<_redback_v1_TriggerFleetBackupRequest__Output, _redback_v1_ListJobsReply>;
  
  /**
   * An offsite set of every instance, started as the upload caps allow; the reply lists the jobs started now.
   */
  TriggerFleetUpload: grpc.handleUnaryCall<_redback_v1_TriggerFleetUploadRequest__Output, _redback_v1_ListJobsReply>;
  
  /**
   * An offsite set of one instance now (an 'upload' job on its agent).
   */
  TriggerUpload: grpc.handleUnaryCall<_redback_v1_TriggerUploadRequest__Output, _redback_v1_JobInfo>;
  
  /**
   * Re-reads sets in the store (the coordinator reads, never writes); streams progress, then one result per set.
   */
  VerifyOffsite: grpc.handleServerStreamingCall<_redback_v1_VerifyOffsiteRequest__Output, _redback_v1_VerifyOffsiteEvent>;
  
  /**
   * Streams a job's events until it ends (the first message is its current state).
   */
  WatchJob: grpc.handleServerStreamingCall<_redback_v1_WatchJobRequest__Output, _redback_v1_JobEvent>;
  
}

export interface ControlServiceDefinition extends grpc.ServiceDefinition {
  ApplyPolicy: MethodDefinition<_redback_v1_ApplyPolicyRequest, _redback_v1_ApplyPolicyReply, _redback_v1_ApplyPolicyRequest__Output, _redback_v1_ApplyPolicyReply__Output>
  CancelJob: MethodDefinition<_redback_v1_CancelJobRequest, _redback_v1_JobInfo, _redback_v1_CancelJobRequest__Output, _redback_v1_JobInfo__Output>
  CopyBackup: MethodDefinition<_redback_v1_CopyBackupRequest, _redback_v1_CopyBackupReply, _redback_v1_CopyBackupRequest__Output, _redback_v1_CopyBackupReply__Output>
  ForgetAgent: MethodDefinition<_redback_v1_ForgetAgentRequest, _redback_v1_ForgetAgentReply, _redback_v1_ForgetAgentRequest__Output, _redback_v1_ForgetAgentReply__Output>
  GetJob: MethodDefinition<_redback_v1_GetJobRequest, _redback_v1_JobInfo, _redback_v1_GetJobRequest__Output, _redback_v1_JobInfo__Output>
  GetPolicies: MethodDefinition<_redback_v1_PoliciesRequest, _redback_v1_PoliciesReply, _redback_v1_PoliciesRequest__Output, _redback_v1_PoliciesReply__Output>
  GetStatus: MethodDefinition<_redback_v1_StatusRequest, _redback_v1_StatusReply, _redback_v1_StatusRequest__Output, _redback_v1_StatusReply__Output>
  ListAgents: MethodDefinition<_redback_v1_ListAgentsRequest, _redback_v1_ListAgentsReply, _redback_v1_ListAgentsRequest__Output, _redback_v1_ListAgentsReply__Output>
  ListBackups: MethodDefinition<_redback_v1_ListBackupsRequest, _redback_v1_ListBackupsReply, _redback_v1_ListBackupsRequest__Output, _redback_v1_ListBackupsReply__Output>
  ListInstances: MethodDefinition<_redback_v1_ListInstancesRequest, _redback_v1_ListInstancesReply, _redback_v1_ListInstancesRequest__Output, _redback_v1_ListInstancesReply__Output>
  ListJobs: MethodDefinition<_redback_v1_ListJobsRequest, _redback_v1_ListJobsReply, _redback_v1_ListJobsRequest__Output, _redback_v1_ListJobsReply__Output>
  ListOffsiteSets: MethodDefinition<_redback_v1_ListOffsiteSetsRequest, _redback_v1_ListOffsiteSetsReply, _redback_v1_ListOffsiteSetsRequest__Output, _redback_v1_ListOffsiteSetsReply__Output>
  PlanRecover: MethodDefinition<_redback_v1_RecoverRequest, _redback_v1_RestorePlan, _redback_v1_RecoverRequest__Output, _redback_v1_RestorePlan__Output>
  PlanRestore: MethodDefinition<_redback_v1_RestoreRequest, _redback_v1_RestorePlan, _redback_v1_RestoreRequest__Output, _redback_v1_RestorePlan__Output>
  PruneOffsite: MethodDefinition<_redback_v1_PruneOffsiteRequest, _redback_v1_PruneOffsiteReply, _redback_v1_PruneOffsiteRequest__Output, _redback_v1_PruneOffsiteReply__Output>
  RebuildCatalog: MethodDefinition<_redback_v1_RebuildCatalogRequest, _redback_v1_RebuildCatalogReply, _redback_v1_RebuildCatalogRequest__Output, _redback_v1_RebuildCatalogReply__Output>
  StartRecover: MethodDefinition<_redback_v1_RecoverRequest, _redback_v1_JobInfo, _redback_v1_RecoverRequest__Output, _redback_v1_JobInfo__Output>
  StartRestore: MethodDefinition<_redback_v1_RestoreRequest, _redback_v1_JobInfo, _redback_v1_RestoreRequest__Output, _redback_v1_JobInfo__Output>
  TriggerBackup: MethodDefinition<_redback_v1_TriggerBackupRequest, _redback_v1_JobInfo, _redback_v1_TriggerBackupRequest__Output, _redback_v1_JobInfo__Output>
  TriggerDrill: MethodDefinition<_redback_v1_TriggerDrillRequest, _redback_v1_JobInfo, _redback_v1_TriggerDrillRequest__Output, _redback_v1_JobInfo__Output>
  TriggerFleetBackup: MethodDefinition<_redback_v1_TriggerFleetBackupRequest, _redback_v1_ListJobsReply, _redback_v1_TriggerFleetBackupRequest__Output, _redback_v1_ListJobsReply__Output>
  TriggerFleetUpload: MethodDefinition<_redback_v1_TriggerFleetUploadRequest, _redback_v1_ListJobsReply, _redback_v1_TriggerFleetUploadRequest__Output, _redback_v1_ListJobsReply__Output>
  TriggerUpload: MethodDefinition<_redback_v1_TriggerUploadRequest, _redback_v1_JobInfo, _redback_v1_TriggerUploadRequest__Output, _redback_v1_JobInfo__Output>
  VerifyOffsite: MethodDefinition<_redback_v1_VerifyOffsiteRequest, _redback_v1_VerifyOffsiteEvent, _redback_v1_VerifyOffsiteRequest__Output, _redback_v1_VerifyOffsiteEvent__Output>
  WatchJob: MethodDefinition<_redback_v1_WatchJobRequest, _redback_v1_JobEvent, _redback_v1_WatchJobRequest__Output, _redback_v1_JobEvent__Output>
}
