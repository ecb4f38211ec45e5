import * as grpc from '@grpc/grpc-js';
import { RedbackError } from '../../shared/errors/index.js';
import { parseTier } from '../../shared/manifest/copy-manifest.js';
import type { ControlServiceHandlers } from '../../shared/proto/generated/redback/v1/ControlService.js';
import type { AgentInfo } from '../../shared/proto/generated/redback/v1/AgentInfo.js';
import type { BackupInfo } from '../../shared/proto/generated/redback/v1/BackupInfo.js';
import type { InstanceStatus } from '../../shared/proto/generated/redback/v1/InstanceStatus.js';
import type { JobInfo } from '../../shared/proto/generated/redback/v1/JobInfo.js';
import type { InstancePolicy } from '../../shared/proto/generated/redback/v1/InstancePolicy.js';
import { toGrpcError } from '../../shared/rpc/rpc-errors.js';
import { decodeToken, encodeToken, isOffset, pageOfList, pageSize } from './paging.js';
import { cursorAfter, isJobState, type BackupCursor, type BackupRecord, type JobRecord } from '../catalog/index.js';
import type { CoordinatorState } from '../coordinator-state.js';
import { forgetAgent } from '../fleet/forget-agent.js';
import { resolveInstance } from '../fleet/resolve-instance.js';
import { isTerminal } from '../jobs/job-manager.js';
import { policyApplyRequests } from '../policy/policy-apply.js';
import { policyViews, type InstancePolicyView } from '../policy/policy-views.js';
import { agentViews, fleetStatus, instanceViews, type AgentView, type InstanceView } from '../status/fleet-status.js';
import type { OffsiteSetInfo } from '../../shared/proto/generated/redback/v1/OffsiteSetInfo.js';
import type { OffsiteSetCursor, OffsiteSetView } from '../catalog/index.js';
import { rebuildCatalog } from '../offsite/catalog-rebuild.js';
import { copyBackup } from '../transfer/start-transfer.js';
import type { OffsiteService } from '../offsite/offsite-service.js';
import { RestoreService, type RestorePlanView } from '../restore/restore-service.js';
import type { RestoreCandidate as RestoreCandidateRecord } from '../restore/restore-sources.js';
import type { RestoreCandidate } from '../../shared/proto/generated/redback/v1/RestoreCandidate.js';
import type { RestorePlan } from '../../shared/proto/generated/redback/v1/RestorePlan.js';
import type { DrillRecord } from '../catalog/index.js';
import type { DrillSummary } from '../../shared/proto/generated/redback/v1/DrillSummary.js';
import { isDrillSourceKind } from '../../shared/drill/drill-result.js';

function requireOffsite(state: CoordinatorState): OffsiteService {
  if (!state.offsite) {
    throw new RedbackError('CONFIG_INVALID', 'offsite is not configured on this coordinator', {
      hint: 'add an offsite: block (target, prefix, encryption) to the coordinator config and restart it',
    });
  }
  return state.offsite;
}

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : '');

/**
 * The operator's service. Each handler: check the admin token, call the domain, encode. Errors
 * become gRPC statuses carrying the redback code and hint.
 */
export function controlHandlers(state: CoordinatorState): ControlServiceHandlers {
  const unary =
    <Req, Res>(fn: (req: Req) => Res) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      try {
        state.auth.requireAdmin(call.metadata, call.getPeer());
        callback(null, fn(call.request));
      } catch (err) {
        callback(toGrpcError(err) as grpc.ServiceError);
      }
    };

  const unaryAsync =
    <Req, Res>(fn: (req: Req) => Promise<Res>) =>
    (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => {
      try {
        state.auth.requireAdmin(call.metadata, call.getPeer());
      } catch (err) {
        callback(toGrpcError(err) as grpc.ServiceError);
        return;
      }
      fn(call.request).then(
        (reply) => callback(null, reply),
        (err) => callback(toGrpcError(err) as grpc.ServiceError),
      );
    };

  const restores = new RestoreService(state);
  const restoreInput = (req: { instance: string; backup: string; before: string; source: string; targetInstance: string; withConfig: boolean; timeoutMs: number }) => ({
    instance: req.instance,
    backup: req.backup,
    before: req.before,
    source: req.source,
    targetInstance: req.targetInstance,
    withConfig: req.withConfig,
    timeoutMs: req.timeoutMs,
  });

  return {
    PlanRestore: unaryAsync(async (req) => restorePlan(await restores.planRestore(restoreInput(req)))),
    StartRestore: unary((req) => jobInfo(restores.startRestore(restoreInput(req)))),
    PlanRecover: unaryAsync(async (req) => restorePlan(await restores.planRecover({ instance: req.instance, timeoutMs: req.timeoutMs }))),
    StartRecover: unary((req) => jobInfo(restores.startRecover({ instance: req.instance, timeoutMs: req.timeoutMs }))),
    TriggerDrill: unary((req) => {
      const source = req.source || 'local';
      if (!isDrillSourceKind(source)) throw new RedbackError('USAGE', `--source ${source}: use local or offsite`, { hint: 'redback drill --instance main --source offsite' });
      const instance = resolveInstance(state.catalog, req.instance, req.agentId);
      return jobInfo(
        state.drills.trigger({
          agentId: instance.agentId,
          instance: instance.name,
          source,
          ...(req.targetInstance ? { targetInstance: req.targetInstance } : {}),
          ...(req.backupId ? { backupId: req.backupId } : {}),
          ...(req.timeoutMs > 0 ? { timeoutMs: req.timeoutMs } : {}),
        }),
      );
    }),
    TriggerUpload: unary((req) => {
      const offsite = requireOffsite(state);
      const instance = resolveInstance(state.catalog, req.instance, req.agentId);
      return jobInfo(offsite.uploads.trigger(instance.agentId, instance.name, req.timeoutMs > 0 ? req.timeoutMs : undefined));
    }),
    TriggerFleetUpload: unary((req) => {
      void req;
      const { started } = requireOffsite(state).uploads.triggerAll();
      return { jobs: started.map(jobInfo) };
    }),
    ListOffsiteSets: unary((req) => {
      const offsite = requireOffsite(state);
      const filter = req.instance ? resolveInstance(state.catalog, req.instance) : null;
      // Keyset paging, like ListBackups: each page continues after the last set of the one before.
      const size = pageSize(req.pageSize);
      const after = decodeToken(req.pageToken, isOffsiteSetCursor);
      const rows = state.catalog.offsite.page({
        ...(filter ? { agentId: filter.agentId, instance: filter.name } : {}),
        includeObjects: req.includeObjects,
        limit: size + 1,
        ...(after ? { after } : {}),
      });
      const page = rows.slice(0, size);
      const last = page[page.length - 1];
      const next = rows.length > size && last ? encodeToken({ createdAt: last.createdAt.getTime(), setId: last.setId, agentId: last.agentId, instance: last.instance }) : '';
      return { sets: page.map(offsiteSetInfo), target: offsite.describe(), nextPageToken: next };
    }),
    VerifyOffsite: (call) => {
      let offsite: OffsiteService;
      let filter: { agentId: string; name: string } | null = null;
      try {
        state.auth.requireAdmin(call.metadata, call.getPeer());
        offsite = requireOffsite(state);
        if (call.request.instance) filter = resolveInstance(state.catalog, call.request.instance);
        if (call.request.readDataPercent > 100) throw new RedbackError('USAGE', `read-data share ${call.request.readDataPercent}% is over 100%`);
      } catch (err) {
        call.emit('error', toGrpcError(err));
        return;
      }
      let cancelled = false;
      call.on('cancelled', () => (cancelled = true));
      let lastProgress = 0;
      offsite
        .verify(
          {
            ...(filter ? { agentId: filter.agentId, instance: filter.name } : {}),
            ...(call.request.setId ? { setId: call.request.setId } : {}),
            readDataPercent: call.request.readDataPercent,
          },
          (e) => {
            if (cancelled) return;
            if (e.progress) {
              const now = Date.now();
              if (now - lastProgress < 200 && e.progress.done < e.progress.total) return;
              lastProgress = now;
              call.write({ progress: e.progress });
            }
            if (e.result) call.write({ result: e.result });
          },
        )
        .then(
          () => call.end(),
          (err) => call.emit('error', toGrpcError(err)),
        );
    },
    PruneOffsite: unaryAsync(async (req) => {
      const offsite = requireOffsite(state);
      const filter = req.instance ? resolveInstance(state.catalog, req.instance) : null;
      const out = await offsite.prune(req.dryRun, filter ? { agentId: filter.agentId, instance: filter.name } : undefined);
      return {
        decisions: out.decisions.map((d) => ({ agentId: d.agentId, instance: d.instance, setId: d.setId, createdAt: iso(d.createdAt), complete: d.complete, action: d.action, reason: d.reason })),
        deletedSets: out.deletedSets,
        deletedObjects: out.deletedObjects,
        abortedUploads: out.abortedUploads,
        dryRun: out.dryRun,
        abortProblem: out.abortProblem ?? '',
      };
    }),
    RebuildCatalog: unaryAsync(async (req) => {
      const out = state.offsite
        ? await state.offsite.rebuild(req.dryRun)
        : await rebuildCatalog({ catalog: state.catalog, store: null, prefix: '', sessions: state.sessions, locate: () => ({ bucket: '', prefix: '', manifestKey: '' }), logger: state.logger }, req.dryRun);
      return out;
    }),
    GetStatus: unary(() => {
      const s = fleetStatus(state);
      return {
        generatedAt: iso(s.generatedAt),
        silentAgents: s.silentAgents.map(agentInfo),
        unprotectedInstances: s.unprotected.map((v) => instanceStatus(v, state)),
        problemInstances: s.problemInstances.map((v) => instanceStatus(v, state)),
        problems: s.problems,
        failedJobs: s.failedJobs.map(jobInfo),
        agentsTotal: s.agents.length,
        agentsOnline: s.agents.filter((a) => a.liveness === 'online').length,
        instancesTotal: s.instances.length,
        instancesProtected: s.instances.filter((i) => i.protected).length,
        healthy: s.healthy,
        policyDrift: s.policyDrift.map(instancePolicy),
      };
    }),
    ListAgents: unary((req) => {
      const page = pageOfList(agentViews(state), req);
      return { agents: page.items.map(agentInfo), nextPageToken: page.nextPageToken };
    }),
    ListInstances: unary((req) => {
      const page = pageOfList(instanceViews(state), req);
      return { instances: page.items.map((v) => instanceStatus(v, state)), nextPageToken: page.nextPageToken };
    }),
    // Keyset paging: each page continues after the last (created_at, id) of the one before.
    ListBackups: unary((req) => {
      const filter = req.instance ? resolveInstance(state.catalog, req.instance) : null;
      const size = pageSize(req.pageSize);
      const after = decodeToken(req.pageToken, isBackupCursor);
      const rows = state.catalog.listBackups({
        ...(filter ? { instance: filter.name, agentId: filter.agentId } : {}),
        includeGone: req.includeGone,
        limit: size + 1,
        ...(after ? { after } : {}),
      });
      const page = rows.slice(0, size);
      const next = rows.length > size ? cursorAfter(page, after) : undefined;
      return { backups: page.map(backupInfo), nextPageToken: next ? encodeToken(next) : '' };
    }),
    ListJobs: unary((req) => {
      state.jobs.settle();
      if (req.state && !isJobState(req.state)) {
        throw new RedbackError('USAGE', `unknown job state "${req.state}"`, { hint: 'use one of: queued, sent, running, succeeded, failed, cancelled, timed-out' });
      }
      // `limit` bounds the whole listing (newest first); pages walk through it.
      const limit = req.limit || 50;
      const offset = decodeToken(req.pageToken, isOffset)?.offset ?? 0;
      const size = Math.min(pageSize(req.pageSize), Math.max(0, limit - offset));
      const jobs = state.catalog.listJobs({
        ...(req.instance ? { instance: req.instance } : {}),
        ...(req.state ? { state: req.state as never } : {}),
        limit: Math.min(limit, offset + size),
      });
      const page = jobs.slice(offset, offset + size);
      const more = offset + size < limit && jobs.length === offset + size && size > 0;
      return { jobs: page.map(jobInfo), nextPageToken: more ? encodeToken({ offset: offset + size }) : '' };
    }),
    TriggerBackup: unary((req) => {
      const tier = parseTier(req.tier || 'manual');
      const instance = resolveInstance(state.catalog, req.instance, req.agentId);
      return jobInfo(
        state.jobs.create({
          type: 'snapshot',
          agentId: instance.agentId,
          instance: instance.name,
          args: { tier },
          ...(req.timeoutMs > 0 ? { timeoutMs: req.timeoutMs } : {}),
        }),
      );
    }),
    // Not `unary`: the reply (thousands of jobs) is encoded after the commands left, not before.
    TriggerFleetBackup: (call, callback) => {
      try {
        state.auth.requireAdmin(call.metadata, call.getPeer());
        const req = call.request;
        const tier = parseTier(req.tier || 'manual');
        const jobs = state.jobs.createMany(
          state.catalog.listInstanceKeys().map((i) => ({
            type: 'snapshot',
            agentId: i.agentId,
            instance: i.name,
            args: { tier },
            ...(req.timeoutMs > 0 ? { timeoutMs: req.timeoutMs } : {}),
          })),
        );
        setImmediate(() => callback(null, { jobs: jobs.map(jobInfo) }));
      } catch (err) {
        callback(toGrpcError(err) as grpc.ServiceError);
      }
    },
    GetPolicies: unary((req) => {
      const instances = req.instance ? [resolveInstance(state.catalog, req.instance)] : state.catalog.listInstanceKeys();
      return { instances: policyViews(state.config.policies, state.persistence, instances).map(instancePolicy) };
    }),
    ApplyPolicy: unary((req) => {
      const { jobs, skipped } = policyApplyRequests(state, { instance: req.instance, all: req.all, dryRun: req.dryRun, ...(req.timeoutMs > 0 ? { timeoutMs: req.timeoutMs } : {}) });
      return { jobs: state.jobs.createMany(jobs).map(jobInfo), skipped };
    }),
    CopyBackup: unary((req) => {
      const out = copyBackup(state, {
        backupId: req.backupId,
        toAgent: req.toAgent,
        ...(req.instance ? { instance: req.instance } : {}),
        ...(req.fromAgent ? { fromAgent: req.fromAgent } : {}),
        ...(req.toInstance ? { toInstance: req.toInstance } : {}),
        ...(req.timeoutMs > 0 ? { timeoutMs: req.timeoutMs } : {}),
      });
      return { transferId: out.transferId, sourceAgentId: out.sourceAgentId, sendJob: jobInfo(out.sendJob), receiveJob: jobInfo(out.receiveJob), bytes: out.bytes };
    }),
    CancelJob: unary((req) => jobInfo(state.jobs.cancel(req.jobId))),
    ForgetAgent: unary((req) => forgetAgent(state, req.agentId, { force: req.force, dryRun: req.dryRun })),
    GetJob: unary((req) => {
      state.jobs.settle();
      const job = state.catalog.getJob(req.jobId);
      if (!job) throw new RedbackError('NOT_FOUND', `no job ${req.jobId}`, { hint: 'list jobs with: redback jobs' });
      return jobInfo(job);
    }),
    WatchJob: (call) => {
      try {
        state.auth.requireAdmin(call.metadata, call.getPeer());
        state.jobs.settle();
        const job = state.catalog.getJob(call.request.jobId);
        if (!job) throw new RedbackError('NOT_FOUND', `no job ${call.request.jobId}`, { hint: 'list jobs with: redback jobs' });
        call.write({ job: jobInfo(job), message: '' });
        if (isTerminal(job)) {
          call.end();
          return;
        }
        const unsubscribe = state.jobs.subscribe(job.jobId, (change) => {
          call.write({ job: jobInfo(change.job), message: change.message ?? '' });
          if (isTerminal(change.job)) {
            unsubscribe();
            call.end();
          }
        });
        call.on('cancelled', unsubscribe);
        call.on('close', unsubscribe);
      } catch (err) {
        call.emit('error', toGrpcError(err));
      }
    },
  };
}

function isOffsiteSetCursor(v: unknown): v is OffsiteSetCursor {
  const c = v as Partial<OffsiteSetCursor> | null;
  return typeof c === 'object' && c !== null && Number.isFinite(c.createdAt) && typeof c.setId === 'string' && typeof c.agentId === 'string' && typeof c.instance === 'string';
}

function isBackupCursor(v: unknown): v is BackupCursor {
  const c = v as Partial<BackupCursor> | null;
  return typeof c === 'object' && c !== null && Number.isFinite(c.createdAt) && typeof c.id === 'string' && Number.isInteger(c.skip) && c.skip! >= 0;
}

function agentInfo(a: AgentView): AgentInfo {
  return {
    agentId: a.agentId,
    hostname: a.hostname,
    liveness: a.liveness,
    lastHeartbeatAt: iso(a.lastHeardAt),
    heartbeatAgeSeconds: a.heartbeatAgeSeconds ?? -1,
    agentVersion: a.agentVersion,
    protocolVersion: a.protocolVersion,
    backupFreeBytes: a.backupFreeBytes ?? 0,
    instances: a.instances,
    connectedSince: iso(a.connectedSince),
  };
}

function instanceStatus(v: InstanceView, state: CoordinatorState): InstanceStatus {
  const r = v.record;
  const w = state.catalog.windows.get(r.agentId, r.name);
  return {
    agentId: r.agentId,
    name: r.name,
    address: r.address,
    up: r.up === true,
    role: r.role,
    dbsize: r.dbsize ?? 0,
    usedMemory: r.usedMemory ?? 0,
    rdbLastBgsaveStatus: r.rdbLastBgsaveStatus ?? '',
    aofEnabled: r.aofEnabled === true,
    aofLastWriteStatus: r.aofLastWriteStatus ?? '',
    newestHourlyAt: iso(r.newestHourlyAt),
    newestDailyAt: iso(r.newestDailyAt),
    newestAnyAt: iso(r.newestAnyAt),
    protected: v.protected,
    problems: v.problems,
    agentLiveness: v.agentLiveness,
    newestOffsiteAt: iso(v.newestOffsiteAt),
    recoveryWindow: w
      ? {
          from: w.from ?? '',
          to: w.to ?? '',
          spans: w.spans.map((x) => ({ fromTs: x.from, toTs: x.to, epoch: x.epoch ?? '' })),
          gaps: w.gaps.map((x) => ({ fromTs: x.from, toTs: x.to, epoch: '' })),
          setCount: w.setCount,
          oldestSet: w.oldestSet ?? '',
          newestSet: w.newestSet ?? '',
          updatedAt: w.updatedAt,
        }
      : null,
    ...(v.lastDrill ? { lastDrill: drillSummary(v.lastDrill) } : {}),
    lastDrillSuccessAt: iso(v.lastDrillSuccess?.finishedAt),
  };
}

function drillSummary(d: DrillRecord): DrillSummary {
  return {
    jobId: d.jobId,
    agentId: d.agentId,
    targetInstance: d.targetInstance ?? '',
    backupId: d.backupId ?? '',
    source: d.source,
    startedAt: iso(d.startedAt),
    finishedAt: iso(d.finishedAt),
    ok: d.ok,
    rtoMs: d.rtoMs ?? 0,
    error: d.error ?? '',
    keysExpected: d.keysExpected,
    keysFound: d.keysFound,
  };
}

function offsiteSetInfo(s: OffsiteSetView): OffsiteSetInfo {
  const m = s.manifest;
  return {
    agentId: s.agentId,
    instance: s.instance,
    setId: s.setId,
    createdAt: iso(s.createdAt),
    state: s.state,
    plainBytes: s.plainBytes,
    storedBytes: s.storedBytes,
    objectCount: s.objectCount,
    redisVersion: m?.redisVersion ?? '',
    keys: m?.keys ?? {},
    encrypted: m?.encryption != null,
    verifyState: s.verifyState,
    verifiedAt: iso(s.verifiedAt),
    verifyDetail: s.verifyDetail,
    host: m?.host ?? '',
    objects: (s.objects ?? []).map((o) => ({
      key: o.key,
      kind: o.kind,
      plainBytes: o.plainBytes,
      plainSha256: o.plainSha256,
      storedBytes: o.storedBytes,
      storedSha256: o.storedSha256,
      compression: o.compression,
      encrypted: o.encrypted,
    })),
  };
}

function instancePolicy(v: InstancePolicyView): InstancePolicy {
  return {
    agentId: v.agentId,
    instance: v.instance,
    policy: v.policy,
    archive: v.archive,
    settings: v.settings.map((s) => ({ key: s.key, want: s.want, actual: s.actual ?? '', reported: s.actual !== null, drift: s.drift })),
    state: v.drift === null ? 'unknown' : v.drift ? 'drift' : 'ok',
    reportedAt: iso(v.reportedAt),
    configFile: v.configFile ?? '',
  };
}

function backupInfo(b: BackupRecord): BackupInfo {
  return {
    id: b.id,
    instance: b.instance,
    tier: b.tier,
    agentId: b.agentId,
    locations: b.locations.map((l) => ({ kind: l.kind, where: l.location, state: l.state, seenAt: iso(l.lastSeenAt) })),
    bytes: b.bytes,
    sha256: b.sha256,
    createdAt: iso(b.createdAt),
    rdbVersion: b.rdbVersion,
    redisVersion: b.redisVersion ?? '',
    keys: b.keys,
    state: b.state,
  };
}

function restoreCandidate(c: RestoreCandidateRecord): RestoreCandidate {
  return {
    kind: c.kind,
    id: c.id,
    agentId: c.agentId,
    instance: c.instance,
    snapshotAt: iso(c.snapshotAt),
    createdAt: iso(c.createdAt),
    bytes: c.bytes,
    keys: c.keys,
    rdbVersion: c.rdbVersion,
    verifyState: c.verifyState,
    available: c.available,
    why: c.why ?? '',
  };
}

function restorePlan(p: RestorePlanView): RestorePlan {
  return {
    instance: `${p.instance.agentId}/${p.instance.name}`,
    target: `${p.target.agentId}/${p.target.name}`,
    ...(p.source ? { source: restoreCandidate(p.source) } : {}),
    candidates: p.candidates.map(restoreCandidate),
    dataLossSince: iso(p.dataLossSince),
    dataLossSeconds: p.dataLossSeconds,
    notes: p.notes,
    dryRun: jobInfo(p.dryRun),
    withConfig: p.withConfig,
  };
}

export function jobInfo(j: JobRecord): JobInfo {
  return {
    jobId: j.jobId,
    type: j.type,
    instance: j.instance,
    agentId: j.agentId,
    state: j.state,
    createdAt: iso(j.createdAt),
    startedAt: iso(j.startedAt),
    finishedAt: iso(j.finishedAt),
    errorCode: j.errorCode ?? '',
    errorMessage: j.errorMessage ?? '',
    errorHint: j.errorHint ?? '',
    resultJson: j.resultJson ?? '',
    phase: j.phase ?? '',
    done: j.done ?? 0,
    total: j.total ?? 0,
  };
}
