import { RedbackError } from '../../shared/errors/index.js';
import { formatBytes, printJson, renderTable } from '../../shared/output/format.js';
import { findInstance, selectInstances } from '../agent-context.js';
import { archiveSettings, createArchiver } from '../archive/archive-session.js';
import { liveLagSeconds } from '../archive/archive-health.js';
import { loadArchiveStatus, type ArchiveStatus } from '../archive/archive-state.js';
import { loadAgentForCommand, type AgentFlags } from './load-agent.js';

const ts = (s: number | null): string => (s === null ? '-' : new Date(s * 1000).toISOString().replace(/\.000Z$/, 'Z'));


/** `redback agent archive-status`: lag, coverage per epoch and gaps of each archived instance. */
export async function runArchiveStatusCommand(flags: AgentFlags): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const now = ctx.clock.now();
  const rows: Array<{ instance: string; archived: boolean; intervalMs: number; status: ArchiveStatus | null; lagSeconds: number | null }> = [];
  for (const instance of selectInstances(ctx.config, flags.instance)) {
    const settings = archiveSettings(ctx, instance);
    const status = await loadArchiveStatus(ctx.layout, instance.name);
    rows.push({ instance: instance.name, archived: settings.enabled, intervalMs: settings.intervalMs, status, lagSeconds: status ? Math.round(liveLagSeconds(status, now)) : null });
  }
  const withGaps = rows.filter((r) => (r.status?.gaps.length ?? 0) > 0);
  if (flags.json) {
    printJson({
      instances: rows.map((r) => ({ instance: r.instance, archived: r.archived, intervalMs: r.intervalMs, ...(r.status ?? {}), lagSeconds: r.lagSeconds, status: r.status ? undefined : 'never-run' })),
    });
  } else {
    process.stdout.write(
      renderTable(
        ['INSTANCE', 'ARCHIVED', 'STATE', 'LAG', 'LAG BYTES', 'EPOCH', 'SHIPPED', 'UPLOADED', 'CHECKED'],
        rows.map((r) => [
          r.instance,
          r.archived ? `yes (${r.intervalMs / 1000}s)` : 'no',
          r.status?.state ?? 'never run',
          r.lagSeconds === null ? '-' : `${r.lagSeconds}s`,
          r.status ? formatBytes(r.status.lagBytes) : '-',
          r.status?.epoch ?? '-',
          r.status ? formatBytes(r.status.shippedBytes) : '-',
          r.status ? formatBytes(r.status.uploadedBytes) : '-',
          r.status?.checkedAt.replace(/\.\d+Z$/, 'Z') ?? '-',
        ]),
      ) + '\n',
    );
    for (const r of rows) {
      if (!r.status) continue;
      for (const c of r.status.coverage) process.stdout.write(`  ${r.instance} ${c.epoch}: ${ts(c.fromTs)} .. ${ts(c.toTs)}${c.closed ? ` (closed: ${c.closedReason})` : ' (open)'}\n`);
      for (const g of r.status.gaps) process.stdout.write(`  ${r.instance} GAP after ${g.afterEpoch} (${g.reason}): ${ts(g.fromTs)} .. ${ts(g.toTs)}: ${g.detail}\n`);
      if (r.status.error) process.stderr.write(`error: ${r.instance}: ${r.status.error.message}${r.status.error.hint ? `\nhint: ${r.status.error.hint}` : ''}\n`);
    }
  }
  if (withGaps.length) {
    if (!flags.json) process.stderr.write(`ARCHIVE_GAP: ${withGaps.map((r) => r.instance).join(', ')} ha${withGaps.length > 1 ? 've' : 's'} a gap in the AOF archive: nothing restores across it\n`);
    return 19;
  }
  return 0;
}

/** `redback agent archive --instance X`: one archiving round now (what the daemon does every interval). */
export async function runArchiveOnceCommand(flags: AgentFlags & { instance: string }): Promise<number> {
  const ctx = loadAgentForCommand(flags);
  const instance = findInstance(ctx.config, flags.instance);
  const archiver = await createArchiver(ctx, instance);
  try {
    const outcome = await archiver.runRound();
    if (flags.json) printJson({ ...outcome.status, round: { segments: outcome.segments, shippedBytes: outcome.shippedBytes, uploadedBytes: outcome.uploadedBytes, gaps: outcome.gaps } });
    else process.stdout.write(`${instance.name}: ${outcome.segments} segment(s), ${formatBytes(outcome.shippedBytes)} of AOF shipped (${formatBytes(outcome.uploadedBytes)} uploaded); epoch ${outcome.status.epoch ?? '-'}, ${outcome.status.lagBytes} bytes not shipped yet\n`);
    if (outcome.gaps.length) {
      const g = outcome.gaps[0]!;
      throw new RedbackError('ARCHIVE_GAP', `the AOF archive of ${instance.name} has a gap after ${g.afterEpoch} (${g.reason}): ${g.detail}`, {
        hint: 'a new epoch started from the current base; restores cannot cross the gap (see redback agent archive-status)',
      });
    }
    return 0;
  } finally {
    await archiver.stop();
  }
}
