import type { OffsiteConfig } from '../config/offsite-schema.js';
import type { Logger } from '../log/logger.js';
import { LocalDirTarget } from './local-dir-target.js';
import { OffsiteKeys } from './offsite-keys.js';
import { RateLimitedTarget } from './rate-limited-target.js';
import { RetryingTarget, type RetryPolicy } from './retrying-target.js';
import { MiB, S3Target } from './s3-target.js';
import type { StorageTarget } from './storage-target.js';

export interface OpenTargetOptions {
  logger?: Logger;
  /** Overrides the retry backoff (tests shorten it). */
  retry?: Omit<RetryPolicy, 'attempts' | 'logger'>;
}

/**
 * The offsite target an `offsite:` config block describes: the S3 or local directory target,
 * under a bandwidth cap when `bandwidthLimit` is set, under retries (`retries` + 1 attempts, with
 * backoff) outermost, so every retry is capped too.
 */
export function openOffsiteTarget(config: OffsiteConfig, options: OpenTargetOptions = {}): StorageTarget {
  let target: StorageTarget =
    config.type === 'local'
      ? new LocalDirTarget(config.path!)
      : new S3Target({
          bucket: config.bucket!,
          region: config.region,
          forcePathStyle: config.forcePathStyle,
          checksumMode: config.checksumMode,
          partSize: config.partSizeMiB * MiB,
          queueSize: config.concurrency,
          ...(config.endpoint ? { endpoint: config.endpoint } : {}),
          ...(config.accessKeyId && config.secretAccessKey
            ? {
                credentials: {
                  accessKeyId: config.accessKeyId,
                  secretAccessKey: config.secretAccessKey,
                  ...(config.sessionToken ? { sessionToken: config.sessionToken } : {}),
                },
              }
            : {}),
          ...(config.storageClass ? { storageClass: config.storageClass } : {}),
          ...(config.sse ? { serverSideEncryption: config.sse } : {}),
          ...(config.kmsKeyId ? { kmsKeyId: config.kmsKeyId } : {}),
          ...(config.objectLock ? { objectLock: config.objectLock } : {}),
        });
  if (config.bandwidthLimit !== undefined) target = new RateLimitedTarget(target, config.bandwidthLimit);
  return new RetryingTarget(target, {
    ...options.retry,
    attempts: config.retries + 1,
    ...(options.logger ? { logger: options.logger } : {}),
  });
}

/** The key builder for the config's prefix. */
export function offsiteKeysFor(config: Pick<OffsiteConfig, 'prefix'>): OffsiteKeys {
  return new OffsiteKeys(config.prefix);
}
