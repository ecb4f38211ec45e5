import type { AgentMessage__Output } from '../../shared/proto/generated/redback/v1/AgentMessage.js';
import type { CoordinatorMessage } from '../../shared/proto/generated/redback/v1/CoordinatorMessage.js';
import type { CopyRecord__Output } from '../../shared/proto/generated/redback/v1/CopyRecord.js';
import type { FromAgent, CopyReport, ToAgent } from '../fleet/session-messages.js';

/**
 * The agent session's codec: wire messages (generated protocol types) in, domain messages out, and
 * back. The only place on the coordinator's agent side that knows the wire form.
 */
export function decodeAgentMessage(message: AgentMessage__Output): FromAgent {
  switch (message.body) {
    case 'hello': {
      const h = message.hello!;
      return {
        kind: 'hello',
        hello: {
          agentId: h.agentId,
          hostname: h.hostname,
          agentVersion: h.agentVersion,
          protocolVersion: h.protocolVersion,
          transferAddress: h.transferAddress,
          instances: h.instances.map((i) => ({ name: i.name, address: i.address, redisVersion: i.redisVersion, role: i.role })),
          completedJobIds: h.completedJobIds,
        },
      };
    }
    case 'heartbeat': {
      const hb = message.heartbeat!;
      return {
        kind: 'heartbeat',
        heartbeat: {
          seq: hb.seq,
          sentAtMs: hb.sentAtMs,
          backupFreeBytes: hb.backupFreeBytes,
          backupTotalBytes: hb.backupTotalBytes,
          instances: hb.instances.map((i) => ({
            name: i.name,
            up: i.up,
            role: i.role,
            loading: i.loading,
            dbsize: i.dbsize,
            usedMemory: i.usedMemory,
            rdbLastBgsaveStatus: i.rdbLastBgsaveStatus || null,
            rdbLastSaveTime: i.rdbLastSaveTime || null,
            aofEnabled: i.aofEnabled,
            aofLastWriteStatus: i.aofLastWriteStatus || null,
            aofLastBgrewriteStatus: i.aofLastBgrewriteStatus || null,
            error: i.error || null,
            aofTrap: i.aofTrap,
            loadingSeconds: i.loadingSeconds,
          })),
          persistence: hb.instances
            .filter((i) => i.up && Object.keys(i.persistence ?? {}).length > 0)
            .map((i) => ({ name: i.name, settings: { ...i.persistence }, configFile: i.configFile })),
          archives: hb.instances
            .filter((i) => i.archive?.enabled)
            .map((i) => {
              const a = i.archive!;
              const orNull = (n: number | string | undefined) => (Number(n) > 0 ? Number(n) : null);
              return {
                name: i.name,
                report: {
                  state: a.state,
                  lagSeconds: a.lagSeconds,
                  lagBytes: Number(a.lagBytes),
                  epoch: a.epoch || null,
                  coverage: a.coverage.map((c) => ({ epoch: c.epoch, fromTs: orNull(c.fromTs), toTs: orNull(c.toTs), closed: c.closed, closedReason: c.closedReason || null })),
                  gaps: a.gaps.map((g) => ({ afterEpoch: g.afterEpoch, beforeEpoch: g.beforeEpoch || null, fromTs: orNull(g.fromTs), toTs: orNull(g.toTs), reason: g.reason, detail: g.detail, detectedAt: g.detectedAt })),
                  error: a.error || null,
                  intervalMs: Number(a.intervalMs),
                  shippedBytes: Number(a.shippedBytes),
                  uploadedBytes: Number(a.uploadedBytes),
                },
              };
            }),
        },
      };
    }
    case 'inventory': {
      const inv = message.inventory!;
      return { kind: 'inventory', inventory: { copies: inv.copies.map(copyReport), part: inv.part, parts: inv.parts } };
    }
    case 'copyEvent': {
      const e = message.copyEvent!;
      if (!e.copy || (e.kind !== 'CREATED' && e.kind !== 'DELETED')) return { kind: 'unknown', body: 'copyEvent' };
      return { kind: 'copyEvent', event: { kind: e.kind === 'CREATED' ? 'created' : 'deleted', copy: copyReport(e.copy), durationSeconds: e.durationSeconds } };
    }
    case 'jobAccepted':
      return { kind: 'jobAccepted', jobId: message.jobAccepted!.jobId };
    case 'jobProgress': {
      const p = message.jobProgress!;
      return { kind: 'jobProgress', progress: { jobId: p.jobId, phase: p.phase, done: p.done, total: p.total, message: p.message } };
    }
    case 'jobResult': {
      const r = message.jobResult!;
      return {
        kind: 'jobResult',
        result: { jobId: r.jobId, ok: r.ok, errorCode: r.errorCode, errorMessage: r.errorMessage, errorHint: r.errorHint, resultJson: r.resultJson },
      };
    }
    default:
      return { kind: 'unknown', body: String(message.body) };
  }
}

function copyReport(c: CopyRecord__Output): CopyReport {
  return {
    id: c.id,
    instance: c.instance,
    tier: c.tier,
    bytes: c.bytes,
    sha256: c.sha256,
    createdAt: c.createdAt,
    manifestJson: c.manifestJson,
    state: c.state,
  };
}

export function encodeToAgent(message: ToAgent): CoordinatorMessage {
  if ('welcome' in message) return { welcome: { ...message.welcome } };
  if ('schedule' in message) return { schedule: { version: message.schedule.version, instances: message.schedule.instances.map((s) => ({ ...s })) } };
  if ('command' in message) return { command: { ...message.command } };
  if ('offsiteConfig' in message) return { offsiteConfig: { configJson: message.offsiteConfig.configJson } };
  if ('resendInventory' in message) return { resendInventory: {} };
  return { cancel: { jobId: message.cancel.jobId } };
}
