import { RedbackError } from '../../shared/errors/index.js';
import type { AgentOffsiteConfig } from '../../shared/offsite/agent-offsite-schema.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { RetryingTarget } from '../../shared/storage/retrying-target.js';
import { S3Target } from '../../shared/storage/s3-target.js';
import type { OffsiteStore } from './offsite-store.js';

/**
 * The coordinator's handle on the offsite target the agents upload to (the storage seam of
 * shared/storage), opened from the same config block the agents receive, under retries.
 * TODO(merge): switch to shared/storage/open-target.ts `openOffsiteTarget` when the agents' config
 * moves to shared/config/offsite-schema.ts (today both sides read the placeholder agent schema).
 */
export async function openStore(config: AgentOffsiteConfig): Promise<OffsiteStore> {
  const t = config.target;
  if (t.type === 'local') return new RetryingTarget(new LocalDirTarget(t.path), { attempts: 3 });
  if (t.type === 's3') {
    const { type: _type, ...options } = t;
    return new RetryingTarget(new S3Target(options), { attempts: 3 });
  }
  throw new RedbackError('CONFIG_INVALID', `unknown offsite target type ${(t as { type: string }).type}`);
}

/** For display: where the sets go. */
export function describeTarget(config: AgentOffsiteConfig): { bucket: string; label: string } {
  const t = config.target as { type: string; path?: string; bucket?: string; endpoint?: string };
  const bucket = t.type === 'local' ? t.path ?? '' : t.bucket ?? '';
  const label = t.type === 'local' ? `local:${bucket}` : `s3://${bucket}${t.endpoint ? ` (${t.endpoint})` : ''}`;
  return { bucket, label: config.prefix ? `${label}/${config.prefix}` : label };
}
