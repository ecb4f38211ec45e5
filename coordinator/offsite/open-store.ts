import type { OffsiteConfig } from '../../shared/config/offsite-schema.js';
import type { Logger } from '../../shared/log/logger.js';
import { openOffsiteTarget } from '../../shared/storage/open-target.js';
import type { OffsiteStore } from './offsite-store.js';

/** The coordinator's handle on the offsite target the agents upload to (retries, bandwidth cap). */
export async function openStore(config: OffsiteConfig, logger?: Logger): Promise<OffsiteStore> {
  return openOffsiteTarget(config, logger ? { logger } : {});
}

/** For display and the catalog: where the sets go. */
export function describeTarget(config: OffsiteConfig): { bucket: string; label: string } {
  const bucket = config.type === 'local' ? config.path ?? '' : config.bucket ?? '';
  const label = config.type === 'local' ? `local:${bucket}` : `s3://${bucket}${config.endpoint ? ` (${config.endpoint})` : ''}`;
  return { bucket, label: config.prefix ? `${label}/${config.prefix}` : label };
}
