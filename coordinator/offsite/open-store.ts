import { RedbackError } from '../../shared/errors/index.js';
import type { AgentOffsiteConfig } from '../../shared/offsite/agent-offsite-schema.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import type { OffsiteStore } from './offsite-store.js';

/**
 * The coordinator's handle on the offsite target (the storage seam of shared/storage). Local
 * directory targets now; S3 through shared/storage's `openOffsiteTarget(config)` once that lands.
 */
export async function openStore(config: AgentOffsiteConfig): Promise<OffsiteStore> {
  if (config.target.type === 'local') return new LocalDirTarget(config.target.path);
  throw new RedbackError('CONFIG_INVALID', `offsite target type ${config.target.type} is not available in this build`, { hint: 'use target.type: local' });
}

/** For display: where the sets go. */
export function describeTarget(config: AgentOffsiteConfig): { bucket: string; label: string } {
  const t = config.target as { type: string; path?: string; bucket?: string; endpoint?: string };
  const bucket = t.type === 'local' ? t.path ?? '' : t.bucket ?? '';
  const label = t.type === 'local' ? `local:${bucket}` : `s3://${bucket}${t.endpoint ? ` (${t.endpoint})` : ''}`;
  return { bucket, label: config.prefix ? `${label}/${config.prefix}` : label };
}
