import { RedbackError } from '../../shared/errors/index.js';
import { canonicalJson, type CopyManifest } from '../../shared/manifest/copy-manifest.js';
import type { BackupRecord, JobRecord } from '../catalog/index.js';
import type { CoordinatorState } from '../coordinator-state.js';
import { isTerminal } from '../jobs/job-manager.js';

export interface StartTransferRequest {
  sourceAgentId: string;
  instance: string;
  backupId: string;
  targetAgentId: string;
  /** Of the source's send-copy job; default the coordinator's jobs.defaultTimeout. */
  timeoutMs?: number;
}

/**
 * A restore source for the target agent's job args: the agent's `remote` restore source
 * (agent/recovery/remote-agent-source.ts) is rebuilt from exactly this descriptor.
 */
export interface RemoteSourceDescriptor {
  kind: 'remote';
  id: string;
  transferId: string;
  sourceAgentId: string;
  /** The copy's manifest as the catalog has it (the agent checks its own checksum). */
  manifestJson: string;
}

export interface StartedTransfer {
  transferId: string;
  sendJob: JobRecord;
  backup: BackupRecord;
  /** Pass this as the restore source of the target's job. */
  source: RemoteSourceDescriptor;
}

/**
 * Starts moving one copy from the agent that holds it towards another agent (for `redback copy`
 * and for restores with `--source agent:ID`):
 * 1. checks that the source holds the backup (a present local copy in the catalog) and that both
 *    agents are connected and different;
 * 2. creates the transfer in the relay (single-use id bound to the two agents, expiring);
 * 3. sends the source a `send-copy` job; if that job ends without success, the transfer fails.
 * The caller then gives the target a job that downloads `transferId` (a `receive-copy` job, or a
 * restore whose source is `source`), and should call `followTransferJob` with that job's id so a
 * target job that fails early does not leave the source waiting.
 */
export function startTransfer(state: CoordinatorState, request: StartTransferRequest): StartedTransfer {
  const { sourceAgentId, targetAgentId, instance, backupId } = request;
  if (sourceAgentId === targetAgentId) {
    throw new RedbackError('USAGE', `agent ${sourceAgentId} already holds backup ${backupId}`, { hint: 'restore it there with --source local' });
  }
  const backup = state.catalog.getBackup(sourceAgentId, instance, backupId);
  if (!backup || !backup.locations.some((l) => l.kind === 'local' && l.state === 'present')) {
    throw new RedbackError('NOT_FOUND', `agent ${sourceAgentId} has no local copy ${backupId} of instance ${instance}`, {
      hint: `list copies with: redback backups --instance ${sourceAgentId}/${instance}`,
    });
  }
  for (const [role, agentId] of [['source', sourceAgentId], ['target', targetAgentId]] as const) {
    if (!state.sessions.get(agentId)) {
      throw new RedbackError('TRANSFER_FAILED', `the ${role} agent ${agentId} is not connected`, {
        hint: 'both agents must be online for a copy to move between them (redback agents)',
      });
    }
  }
  const transfer = state.transfers.create({ sourceAgentId, targetAgentId, instance, backupId });
  const sendJob = state.jobs.create({
    type: 'send-copy',
    agentId: sourceAgentId,
    instance,
    args: { transferId: transfer.transferId, backupId },
    ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
  });
  followTransferJob(state, transfer.transferId, sendJob.jobId);
  const manifest: CopyManifest = backup.manifest;
  return {
    transferId: transfer.transferId,
    sendJob,
    backup,
    source: { kind: 'remote', id: backupId, transferId: transfer.transferId, sourceAgentId, manifestJson: canonicalJson(manifest) },
  };
}

/** Fails the transfer when `jobId` (either end's job) ends without success while it is open. */
export function followTransferJob(state: CoordinatorState, transferId: string, jobId: string): void {
  const unsubscribe = state.jobs.subscribe(jobId, ({ job }) => {
    if (!isTerminal(job)) return;
    unsubscribe();
    if (job.state !== 'succeeded') {
      state.transfers.cancel(transferId, `the ${job.type} job on agent ${job.agentId} ${job.state}${job.errorMessage ? `: ${job.errorMessage}` : ''}`);
    }
  });
  state.transfers.onEnd(transferId, () => setTimeout(unsubscribe, 60_000).unref());
}

export interface CopyBackupRequest {
  backupId: string;
  toAgent: string;
  /** NAME or AGENT/NAME of the copy's instance; absent = any. */
  instance?: string;
  fromAgent?: string;
  toInstance?: string;
  timeoutMs?: number;
}

export interface CopyBackupStarted {
  transferId: string;
  sourceAgentId: string;
  sendJob: JobRecord;
  receiveJob: JobRecord;
  bytes: number;
}

/**
 * `redback copy`: fetches a copy from whichever connected agent holds it into the target agent's
 * backup directory (a `receive-copy` job there; the copy keeps its id and is filed under
 * `toInstance`, default the same instance name, which the target must have).
 */
export function copyBackup(state: CoordinatorState, request: CopyBackupRequest): CopyBackupStarted {
  const { backupId, toAgent } = request;
  const target = state.catalog.getAgent(toAgent);
  if (!target) throw new RedbackError('NOT_FOUND', `no agent ${toAgent}`, { hint: 'list agents with: redback agents' });
  const slash = request.instance?.indexOf('/') ?? -1;
  const instanceAgent = request.instance && slash > 0 ? request.instance.slice(0, slash) : undefined;
  const instanceName = request.instance ? (slash > 0 ? request.instance.slice(slash + 1) : request.instance) : undefined;
  const fromAgent = request.fromAgent || instanceAgent;
  const holders = state.catalog
    .listInstanceKeys()
    .filter((i) => (!instanceName || i.name === instanceName) && (!fromAgent || i.agentId === fromAgent))
    .map((i) => state.catalog.getBackup(i.agentId, i.name, backupId))
    .filter((b): b is BackupRecord => b !== null && b.locations.some((l) => l.kind === 'local' && l.state === 'present'));
  if (holders.length === 0) {
    throw new RedbackError('NOT_FOUND', `no agent${fromAgent ? ` ${fromAgent}` : ''} holds a local copy ${backupId}${instanceName ? ` of instance ${instanceName}` : ''}`, {
      hint: 'list copies with: redback backups',
    });
  }
  const instances = new Set(holders.map((b) => b.instance));
  if (instances.size > 1) {
    throw new RedbackError('USAGE', `copy id ${backupId} exists for several instances: ${[...instances].join(', ')}`, { hint: 'name one with --instance NAME' });
  }
  const toInstance = request.toInstance || holders[0]!.instance;
  const targetInstance = state.catalog.getInstance(toAgent, toInstance);
  if (!targetInstance || targetInstance.removedAt !== null) {
    throw new RedbackError('USAGE', `agent ${toAgent} has no instance ${toInstance} to file the copy under`, {
      hint: `name one of its instances with --to-instance NAME (redback instances)`,
    });
  }
  const already = state.catalog.getBackup(toAgent, toInstance, backupId);
  if (already && already.locations.some((l) => l.kind === 'local' && l.state === 'present')) {
    throw new RedbackError('USAGE', `agent ${toAgent} already holds copy ${backupId} of ${toInstance}`, {
      hint: `restore it there: redback agent recover --instance ${toInstance} --backup ${backupId} (on that host)`,
    });
  }
  const candidates = holders.filter((b) => b.agentId !== toAgent);
  const source = candidates.find((b) => state.sessions.get(b.agentId)) ?? candidates[0];
  if (!source) {
    throw new RedbackError('USAGE', `only agent ${toAgent} itself holds copy ${backupId}`, { hint: `file it under another instance there with agent recover, or pick another --to-agent` });
  }
  const started = startTransfer(state, {
    sourceAgentId: source.agentId,
    instance: source.instance,
    backupId,
    targetAgentId: toAgent,
    ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
  });
  const receiveJob = state.jobs.create({
    type: 'receive-copy',
    agentId: toAgent,
    instance: toInstance,
    args: {
      transferId: started.transferId,
      sourceAgentId: source.agentId,
      backupId,
      bytes: source.bytes,
      sha256: source.sha256,
    },
    ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
  });
  followTransferJob(state, started.transferId, receiveJob.jobId);
  return { transferId: started.transferId, sourceAgentId: source.agentId, sendJob: started.sendJob, receiveJob, bytes: source.bytes };
}
