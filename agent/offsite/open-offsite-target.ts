import { RedbackError } from '../../shared/errors/index.js';
import type { AgentOffsiteConfig } from '../../shared/offsite/agent-offsite-schema.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';

/**
 * The offsite target of a config. PLACEHOLDER for S3 until shared/storage/open-target.ts (branch
 * t8-storage) lands: local directories only.
 */
export async function openOffsiteTarget(config: AgentOffsiteConfig): Promise<OffsiteTarget> {
  if (config.target.type !== 'local') {
    throw new RedbackError('CONFIG_INVALID', `offsite target type ${config.target.type} is not available in this build`, { hint: 'use target.type: local' });
  }
  return new LocalDirTarget(config.target.path);
}
