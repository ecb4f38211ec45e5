import type { InstanceConfig } from '../../shared/config/agent-config.js';
import type { AgentContext } from '../agent-context.js';
import { openOffsite, type OffsiteAccess } from '../offsite/offsite-session.js';
import { Archiver } from './archiver.js';

export const DEFAULT_ARCHIVE_INTERVAL_MS = 10_000;

/** Whether an instance is archived continuously, and how often: its agent config, else the coordinator's policy. */
export function archiveSettings(ctx: AgentContext, instance: InstanceConfig): { enabled: boolean; intervalMs: number } {
  const own = instance.archive;
  if (own === true) return { enabled: true, intervalMs: DEFAULT_ARCHIVE_INTERVAL_MS };
  if (own && typeof own === 'object') return { enabled: own.enabled, intervalMs: own.interval };
  if (own === false) return { enabled: false, intervalMs: DEFAULT_ARCHIVE_INTERVAL_MS };
  const fleet = ctx.fleet.get(instance.name) as { archive?: boolean; archiveIntervalMs?: number } | undefined;
  return { enabled: fleet?.archive === true, intervalMs: fleet?.archiveIntervalMs || DEFAULT_ARCHIVE_INTERVAL_MS };
}

/** Names the offsite target in the archiver's state: another target or prefix starts a fresh state. */
export function targetIdOf(access: OffsiteAccess): string {
  const c = access.config;
  return `${c.type}:${c.type === 'local' ? c.path : c.bucket}/${c.prefix}`;
}

/** An Archiver for `instance` on the configured offsite target. */
export async function createArchiver(ctx: AgentContext, instance: InstanceConfig, access?: OffsiteAccess, intervalMs?: number): Promise<Archiver> {
  const a = access ?? (await openOffsite(ctx));
  const c = a.config;
  return new Archiver(ctx, instance, {
    target: a.target,
    targetId: targetIdOf(a),
    prefix: c.prefix,
    compression: c.compression.enabled ? 'zstd' : 'none',
    level: c.compression.level,
    encryption: c.encryption,
    intervalMs: intervalMs ?? archiveSettings(ctx, instance).intervalMs,
  });
}
