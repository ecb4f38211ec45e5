import type { AgentOffsiteConfig } from '../../shared/offsite/agent-offsite-schema.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { S3Target } from '../../shared/storage/s3-target.js';

/**
 * The offsite target of a config. PLACEHOLDER until shared/storage/open-target.ts (branch
 * t8-storage) lands, which adds the retry and rate-limit wrappers.
 */
export async function openOffsiteTarget(config: AgentOffsiteConfig): Promise<OffsiteTarget> {
  const t = config.target;
  if (t.type === 'local') return new LocalDirTarget(t.path);
  const { type: _type, ...options } = t;
  return new S3Target(options);
}
