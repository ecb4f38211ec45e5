import type { InstanceConfig } from '../../shared/config/agent-config.js';
import type { AgentContext } from '../agent-context.js';
import type { ArchiveHealthReport } from '../session/agent-codec.js';
import { archiveSettings } from './archive-session.js';
import { loadArchiveStatus, type ArchiveStatus } from './archive-state.js';

/** Lag now: seconds since every AOF byte was last offsite (the status file says when that was). */
export function liveLagSeconds(status: ArchiveStatus, now: Date): number {
  if (!status.caughtUpAt) return status.lagSeconds;
  return Math.max(0, (now.getTime() - new Date(status.caughtUpAt).getTime()) / 1000);
}

/** The heartbeat's archive part for an archived instance (null when it is not archived). */
export async function archiveHealthOf(ctx: AgentContext, instance: InstanceConfig): Promise<ArchiveHealthReport | null> {
  const settings = archiveSettings(ctx, instance);
  if (!settings.enabled) return null;
  const status = await loadArchiveStatus(ctx.layout, instance.name);
  const now = ctx.clock.now();
  if (!status) {
    return { enabled: true, state: 'starting', lagSeconds: 0, lagBytes: 0, epoch: '', coverage: [], gaps: [], error: '', checkedAt: '', intervalMs: settings.intervalMs, shippedBytes: 0, uploadedBytes: 0 };
  }
  return {
    enabled: true,
    state: status.state,
    lagSeconds: liveLagSeconds(status, now),
    lagBytes: status.lagBytes,
    epoch: status.epoch ?? '',
    coverage: status.coverage.map((c) => ({ epoch: c.epoch, fromTs: c.fromTs ?? 0, toTs: c.toTs ?? 0, closed: c.closed, closedReason: c.closedReason ?? '' })),
    gaps: status.gaps.map((g) => ({ afterEpoch: g.afterEpoch, beforeEpoch: g.beforeEpoch ?? '', fromTs: g.fromTs ?? 0, toTs: g.toTs ?? 0, reason: g.reason, detail: g.detail, detectedAt: g.detectedAt })),
    error: status.error ? status.error.message : '',
    checkedAt: status.checkedAt,
    intervalMs: status.intervalMs,
    shippedBytes: status.shippedBytes,
    uploadedBytes: status.uploadedBytes,
  };
}
