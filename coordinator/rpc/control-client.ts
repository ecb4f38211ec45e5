import * as grpc from '@grpc/grpc-js';
import { RedbackError } from '../../shared/errors/index.js';
import { loadProtos } from '../../shared/proto/load.js';
import type { ControlServiceClient } from '../../shared/proto/generated/redback/v1/ControlService.js';
import type { ForgetAgentReply__Output } from '../../shared/proto/generated/redback/v1/ForgetAgentReply.js';
import type { JobEvent__Output } from '../../shared/proto/generated/redback/v1/JobEvent.js';
import type { JobInfo__Output } from '../../shared/proto/generated/redback/v1/JobInfo.js';
import type { ListAgentsReply__Output } from '../../shared/proto/generated/redback/v1/ListAgentsReply.js';
import type { ListBackupsReply__Output } from '../../shared/proto/generated/redback/v1/ListBackupsReply.js';
import type { ListInstancesReply__Output } from '../../shared/proto/generated/redback/v1/ListInstancesReply.js';
import type { ListJobsReply__Output } from '../../shared/proto/generated/redback/v1/ListJobsReply.js';
import type { StatusReply__Output } from '../../shared/proto/generated/redback/v1/StatusReply.js';
import type { ApplyPolicyReply__Output } from '../../shared/proto/generated/redback/v1/ApplyPolicyReply.js';
import type { PoliciesReply__Output } from '../../shared/proto/generated/redback/v1/PoliciesReply.js';
import { authMetadata, channelOptions, clientCredentials, type ClientTls } from '../../shared/rpc/credentials.js';
import { fromGrpcError } from '../../shared/rpc/rpc-errors.js';
import type { InstancePolicyView } from '../cli/operator-views.js';
import type { ListOffsiteSetsReply__Output } from '../../shared/proto/generated/redback/v1/ListOffsiteSetsReply.js';
import type { PruneOffsiteReply__Output } from '../../shared/proto/generated/redback/v1/PruneOffsiteReply.js';
import type { RebuildCatalogReply__Output } from '../../shared/proto/generated/redback/v1/RebuildCatalogReply.js';
import type { VerifyOffsiteEvent__Output } from '../../shared/proto/generated/redback/v1/VerifyOffsiteEvent.js';
import type { RestorePlan__Output } from '../../shared/proto/generated/redback/v1/RestorePlan.js';
import type { RestoreCandidate__Output } from '../../shared/proto/generated/redback/v1/RestoreCandidate.js';
import type { CopyBackupReply__Output } from '../../shared/proto/generated/redback/v1/CopyBackupReply.js';
import type {
  AgentInfoView,
  BackupView,
  ForgetAgentView,
  InstanceStatusView,
  JobEventView,
  JobView,
  OffsiteSetsView,
  PruneView,
  RebuildView,
  RestoreCandidateView,
  RestorePlanView,
  StatusView,
  VerifyEventView,
} from '../cli/operator-views.js';

export interface ConnectionFlags {
  coordinator?: string;
  token?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServername?: string;
  json?: boolean;
}

type UnaryMethods = {
  [K in keyof ControlServiceClient as K extends `${Capitalize<string>}` ? K : never]: ControlServiceClient[K];
};

/**
 * The operator's connection to the coordinator: address from --coordinator or REDBACK_COORDINATOR,
 * admin token from --token or REDBACK_TOKEN, TLS from --tls-* or REDBACK_TLS_*. Every call has a
 * deadline, and failures come back as RedbackErrors with hints. Answers are decoded into the CLI's
 * views (cli/operator-views.ts): nothing outside coordinator/rpc sees the wire types.
 */
export class ControlClient {
  private readonly client: ControlServiceClient;
  private readonly metadata: grpc.Metadata;
  readonly target: string;

  constructor(flags: ConnectionFlags) {
    this.target = withDefaultPort(flags.coordinator ?? process.env.REDBACK_COORDINATOR ?? '127.0.0.1');
    const token = flags.token ?? process.env.REDBACK_TOKEN;
    if (!token) {
      throw new RedbackError('USAGE', 'no admin token', { hint: 'pass --token or set REDBACK_TOKEN to the coordinator admin token' });
    }
    const tls: ClientTls | undefined =
      flags.tlsCa ?? process.env.REDBACK_TLS_CA
        ? {
            ca: flags.tlsCa ?? process.env.REDBACK_TLS_CA,
            cert: flags.tlsCert ?? process.env.REDBACK_TLS_CERT,
            key: flags.tlsKey ?? process.env.REDBACK_TLS_KEY,
          }
        : undefined;
    const { control } = loadProtos();
    this.client = new control.redback.v1.ControlService(
      this.target,
      clientCredentials(tls),
      channelOptions(16 * 1024 * 1024, flags.tlsServername),
    ) as unknown as ControlServiceClient;
    this.metadata = authMetadata(token);
  }

  async status(): Promise<StatusView> {
    const s = await this.call<object, StatusReply__Output>('GetStatus', {});
    return { ...s, failedJobs: s.failedJobs.map(jobView) };
  }

  async agents(): Promise<AgentInfoView[]> {
    return this.allPages(async (pageToken) => {
      const r = await this.call<object, ListAgentsReply__Output>('ListAgents', { pageToken });
      return { items: r.agents, next: r.nextPageToken };
    });
  }

  async instances(): Promise<InstanceStatusView[]> {
    return this.allPages(async (pageToken) => {
      const r = await this.call<object, ListInstancesReply__Output>('ListInstances', { pageToken });
      return { items: r.instances, next: r.nextPageToken };
    });
  }

  /** Every backup, page by page (a catalog of 100 000 copies is far larger than one message). */
  async backups(filter: { instance?: string; includeGone?: boolean }): Promise<BackupView[]> {
    return this.allPages(async (pageToken) => {
      const r = await this.call<object, ListBackupsReply__Output>('ListBackups', { instance: filter.instance ?? '', includeGone: filter.includeGone === true, pageToken });
      return { items: r.backups, next: r.nextPageToken };
    });
  }

  async jobs(filter: { instance?: string; state?: string; limit: number }): Promise<JobView[]> {
    return this.allPages(async (pageToken) => {
      const r = await this.call<object, ListJobsReply__Output>('ListJobs', { instance: filter.instance ?? '', state: filter.state ?? '', limit: filter.limit, pageToken });
      return { items: r.jobs.map(jobView), next: r.nextPageToken };
    });
  }

  /** Follows next_page_token until the last page. */
  private async allPages<T>(fetch: (pageToken: string) => Promise<{ items: T[]; next: string }>): Promise<T[]> {
    const all: T[] = [];
    let token = '';
    do {
      const page = await fetch(token);
      for (const item of page.items) all.push(item);
      token = page.next;
    } while (token);
    return all;
  }

  async triggerBackup(request: { instance: string; tier: string; agentId?: string; timeoutMs: number }): Promise<JobView> {
    return jobView(await this.call<object, JobInfo__Output>('TriggerBackup', { agentId: '', ...request }));
  }

  async triggerFleetBackup(request: { tier: string; timeoutMs: number }, deadlineMs?: number): Promise<JobView[]> {
    return (await this.call<object, ListJobsReply__Output>('TriggerFleetBackup', request, deadlineMs)).jobs.map(jobView);
  }

  /** Every instance (or one) against its persistence policy. */
  async policies(instance?: string): Promise<InstancePolicyView[]> {
    return (await this.call<object, PoliciesReply__Output>('GetPolicies', { instance: instance ?? '' })).instances;
  }

  /** One policy-apply job per instance with policy settings. */
  async applyPolicy(request: { instance?: string; all: boolean; dryRun: boolean; timeoutMs: number }): Promise<{ jobs: JobView[]; skipped: string[] }> {
    const reply = await this.call<object, ApplyPolicyReply__Output>('ApplyPolicy', { instance: request.instance ?? '', all: request.all, dryRun: request.dryRun, timeoutMs: request.timeoutMs });
    return { jobs: reply.jobs.map(jobView), skipped: reply.skipped };
  }

  /** Starts moving a copy to another agent; follow `receiveJob` for its progress and outcome. */
  async copyBackup(request: { backupId: string; toAgent: string; instance?: string; fromAgent?: string; toInstance?: string; timeoutMs: number }): Promise<{ transferId: string; sourceAgentId: string; bytes: number; sendJob: JobView; receiveJob: JobView }> {
    const reply = await this.call<object, CopyBackupReply__Output>('CopyBackup', {
      backupId: request.backupId,
      toAgent: request.toAgent,
      instance: request.instance ?? '',
      fromAgent: request.fromAgent ?? '',
      toInstance: request.toInstance ?? '',
      timeoutMs: request.timeoutMs,
    });
    return { transferId: reply.transferId, sourceAgentId: reply.sourceAgentId, bytes: reply.bytes, sendJob: jobView(reply.sendJob!), receiveJob: jobView(reply.receiveJob!) };
  }

  async cancelJob(jobId: string): Promise<JobView> {
    return jobView(await this.call<object, JobInfo__Output>('CancelJob', { jobId }));
  }

  async forgetAgent(agentId: string, options: { force: boolean; dryRun: boolean }): Promise<ForgetAgentView> {
    return { ...(await this.call<object, ForgetAgentReply__Output>('ForgetAgent', { agentId, ...options })) };
  }

  /** A restore drill of one instance (a 'drill' job on its agent). */
  async triggerDrill(request: { instance: string; targetInstance?: string; backupId?: string; source?: string; timeoutMs: number }): Promise<JobView> {
    return jobView(
      await this.call<object, JobInfo__Output>('TriggerDrill', {
        agentId: '',
        instance: request.instance,
        targetInstance: request.targetInstance ?? '',
        backupId: request.backupId ?? '',
        source: request.source ?? '',
        timeoutMs: request.timeoutMs,
      }),
    );
  }

  async triggerUpload(request: { instance: string; timeoutMs: number }): Promise<JobView> {
    return jobView(await this.call<object, JobInfo__Output>('TriggerUpload', { agentId: '', ...request }));
  }

  async triggerFleetUpload(request: { timeoutMs: number }): Promise<JobView[]> {
    return (await this.call<object, ListJobsReply__Output>('TriggerFleetUpload', request)).jobs.map(jobView);
  }

  async offsiteSets(filter: { instance?: string; includeObjects: boolean }): Promise<OffsiteSetsView> {
    const reply = await this.call<object, ListOffsiteSetsReply__Output>('ListOffsiteSets', { instance: filter.instance ?? '', includeObjects: filter.includeObjects });
    return { target: reply.target, sets: reply.sets.map((s) => ({ ...s, objects: s.objects.map((o) => ({ ...o })) })) };
  }

  async pruneOffsite(request: { dryRun: boolean; instance?: string }, deadlineMs?: number): Promise<PruneView> {
    const reply = await this.call<object, PruneOffsiteReply__Output>('PruneOffsite', { dryRun: request.dryRun, instance: request.instance ?? '' }, deadlineMs);
    return { ...reply, decisions: reply.decisions.map((d) => ({ ...d })) };
  }

  async rebuildCatalog(request: { dryRun: boolean }, deadlineMs?: number): Promise<RebuildView> {
    return { ...(await this.call<object, RebuildCatalogReply__Output>('RebuildCatalog', request, deadlineMs)) };
  }

  /** Streams `offsite verify`: progress, then one result per set, until the coordinator ends the call. */
  verifyOffsite(request: { instance?: string; setId?: string; readDataPercent: number }, onEvent: (event: VerifyEventView) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.client.VerifyOffsite({ instance: request.instance ?? '', setId: request.setId ?? '', readDataPercent: request.readDataPercent }, this.metadata);
      stream.on('data', (e: VerifyOffsiteEvent__Output) => {
        if (e.progress) onEvent({ progress: { ...e.progress } });
        if (e.result) onEvent({ result: { ...e.result, objects: e.result.objects.map((o) => ({ ...o })) } });
      });
      stream.on('error', (err: grpc.ServiceError) => reject(fromGrpcError(err, this.target)));
      stream.on('end', () => resolve());
    });
  }

  /** The source the coordinator picks and the target agent's dry run (it may read the copy end to end: a long deadline). */
  async planRestore(request: RestoreRequestView): Promise<RestorePlanView> {
    return restorePlanView(await this.call<object, RestorePlan__Output>('PlanRestore', restoreRequest(request), 11 * 60_000));
  }

  async startRestore(request: RestoreRequestView): Promise<JobView> {
    return jobView(await this.call<object, JobInfo__Output>('StartRestore', restoreRequest(request)));
  }

  async planRecover(request: { instance: string; timeoutMs: number }): Promise<RestorePlanView> {
    return restorePlanView(await this.call<object, RestorePlan__Output>('PlanRecover', request, 11 * 60_000));
  }

  async startRecover(request: { instance: string; timeoutMs: number }): Promise<JobView> {
    return jobView(await this.call<object, JobInfo__Output>('StartRecover', request));
  }

  /** Calls a unary method with a deadline. */
  private call<Req, Res>(method: keyof UnaryMethods, request: Req, timeoutMs = 15_000): Promise<Res> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, Function>)[method as string]!.bind(this.client);
      fn(request, this.metadata, { deadline: new Date(Date.now() + timeoutMs) }, (err: grpc.ServiceError | null, reply: Res) => {
        if (err) reject(fromGrpcError(err, this.target));
        else resolve(reply);
      });
    });
  }

  /** Streams a job's events until it ends. */
  watchJob(jobId: string, onEvent: (event: JobEventView) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.client.WatchJob({ jobId }, this.metadata);
      stream.on('data', (event: JobEvent__Output) => onEvent({ job: event.job ? jobView(event.job) : null, message: event.message }));
      stream.on('error', (err: grpc.ServiceError) => reject(fromGrpcError(err, this.target)));
      stream.on('end', () => resolve());
    });
  }

  close(): void {
    (this.client as unknown as grpc.Client).close();
  }
}

/** The coordinator's standard port, used when --coordinator names only a host. */
export const DEFAULT_COORDINATOR_PORT = 7400;

/** `host` → `host:7400`; `host:port`, `[v6]:port` and `dns:///...` targets are kept. */
export function withDefaultPort(target: string): string {
  const t = target.trim();
  if (t.includes('://') || /:\d+$/.test(t) && !/^[0-9a-fA-F:]+$/.test(t)) return t;
  if (/^\[.*\]$/.test(t)) return `${t}:${DEFAULT_COORDINATOR_PORT}`;
  if (/^[0-9a-fA-F:]+$/.test(t) && t.includes(':')) return `[${t}]:${DEFAULT_COORDINATOR_PORT}`; // bare IPv6
  return `${t}:${DEFAULT_COORDINATOR_PORT}`;
}

/** A job as the CLI prints it: the result is an object (parsed), never a JSON string. */
function jobView(j: JobInfo__Output): JobView {
  const { resultJson, ...rest } = j;
  let result: unknown = null;
  if (resultJson) {
    try {
      result = JSON.parse(resultJson);
    } catch {
      result = resultJson;
    }
  }
  return { ...rest, result };
}

/** What `redback restore` asks for. */
export interface RestoreRequestView {
  instance: string;
  backup?: string;
  before?: string;
  source?: string;
  targetInstance?: string;
  withConfig?: boolean;
  timeoutMs: number;
}

function restoreRequest(r: RestoreRequestView): object {
  return { instance: r.instance, backup: r.backup ?? '', before: r.before ?? '', source: r.source ?? '', targetInstance: r.targetInstance ?? '', withConfig: r.withConfig === true, timeoutMs: r.timeoutMs };
}

function candidateView(c: RestoreCandidate__Output): RestoreCandidateView {
  return { ...c, keys: { ...c.keys } };
}

function restorePlanView(p: RestorePlan__Output): RestorePlanView {
  return {
    instance: p.instance,
    target: p.target,
    source: p.source ? candidateView(p.source) : null,
    candidates: p.candidates.map(candidateView),
    dataLossSince: p.dataLossSince,
    dataLossSeconds: p.dataLossSeconds,
    notes: p.notes,
    dryRun: p.dryRun ? jobView(p.dryRun) : null,
    withConfig: p.withConfig,
  };
}
