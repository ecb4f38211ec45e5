import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadYamlConfig, parseYamlConfig } from '../../shared/config/load-yaml-config.js';
import { offsiteSchema } from '../../shared/config/offsite-schema.js';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { offsiteKeysFor, openOffsiteTarget } from '../../shared/storage/open-target.js';
import { RateLimitedTarget } from '../../shared/storage/rate-limited-target.js';
import { RetryingTarget } from '../../shared/storage/retrying-target.js';
import { S3Target } from '../../shared/storage/s3-target.js';
import { ROOT } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const fileSchema = z.object({ offsite: offsiteSchema }).strict();
const parse = (yaml: string, env: NodeJS.ProcessEnv = {}) => parseYamlConfig(yaml, 'test.yaml', fileSchema, env).offsite;
const problems = (yaml: string): string => {
  try {
    parse(yaml);
  } catch (err) {
    return (err as Error).message;
  }
  return 'no error';
};

describe('the offsite examples in deploy/examples parse', () => {
  const example = (name: string, env: NodeJS.ProcessEnv) => loadYamlConfig(join(ROOT, 'deploy', 'examples', name), fileSchema, env).offsite;

  it('offsite-aws.yaml', () => {
    const o = example('offsite-aws.yaml', {});
    expect(o).toMatchObject({ type: 's3', bucket: 'acme-redis-backups', region: 'eu-west-1', sse: 'aws:kms', checksumMode: 'WHEN_SUPPORTED' });
    expect(o.objectLock).toEqual({ mode: 'GOVERNANCE', days: 35 });
    expect(o.bandwidthLimit).toBe(100 * 1024 * 1024);
    expect(o.retention).toEqual({ keep: 30 * 86_400_000, weekly: 8, monthly: 6, abortIncompleteAfter: 86_400_000 });
    expect(o.accessKeyId).toBeUndefined(); // the AWS credential chain
  });

  it('offsite-minio.yaml (keys from the environment)', () => {
    const o = example('offsite-minio.yaml', { MINIO_ACCESS_KEY: 'minio', MINIO_SECRET_KEY: 'minio-secret' });
    expect(o).toMatchObject({ endpoint: 'https://minio.backup.internal:9000', forcePathStyle: true, checksumMode: 'WHEN_REQUIRED', partSizeMiB: 16 });
    expect(o.secretAccessKey).toBe('minio-secret');
    expect(() => example('offsite-minio.yaml', {})).toThrow(/MINIO_ACCESS_KEY is not set[\s\S]*MINIO_SECRET_KEY is not set/);
  });

  it('offsite-r2.yaml', () => {
    const o = example('offsite-r2.yaml', { R2_ACCOUNT_ID: 'abc123', R2_ACCESS_KEY_ID: 'k', R2_SECRET_ACCESS_KEY: 's' });
    expect(o).toMatchObject({ endpoint: 'https://abc123.r2.cloudflarestorage.com', region: 'auto', checksumMode: 'WHEN_REQUIRED' });
    expect(o.encryption).toEqual({ keyEnv: 'REDBACK_OFFSITE_KEY' });
    expect(o.compression).toEqual({ enabled: true, level: 6 });
  });
});

describe('offsite schema', () => {
  it('fills defaults', () => {
    const o = parse('offsite: { bucket: my-bucket }');
    expect(o).toMatchObject({
      type: 's3',
      prefix: '',
      region: 'us-east-1',
      forcePathStyle: false,
      checksumMode: 'WHEN_SUPPORTED',
      partSizeMiB: 8,
      concurrency: 4,
      retries: 4,
      compression: { enabled: true, level: 3 },
      rdbMaxAge: 3_600_000,
      schedule: '0 2 * * *',
      stagger: 7_200_000,
      maxConcurrentUploads: 4,
      retention: { keep: 30 * 86_400_000, weekly: 0, monthly: 0 },
    });
    expect(o.bandwidthLimit).toBeUndefined();
    expect(o.encryption).toBeUndefined();
  });

  it('reports every problem at once, with its key path', () => {
    const text = problems(`offsite:
  type: s3
  kmsKeyId: some-key
  accessKeyId: AKIA
  partSizeMiB: 2
  bandwidthLimit: fast
  encryption: { keyEnv: K, keyFile: /k }
  surprise: 1`);
    expect(text).toContain('offsite.bucket: required when type is s3');
    expect(text).toContain('offsite.kmsKeyId: only with sse: aws:kms');
    expect(text).toContain('offsite.partSizeMiB');
    expect(text).toContain('offsite.bandwidthLimit: invalid bandwidth "fast"');
    expect(text).toContain('offsite.encryption: set exactly one of keyEnv or keyFile');
    expect(text).toMatch(/surprise/);
  });

  it('pairs credentials and checks the local type', () => {
    expect(problems('offsite: { bucket: b1b, accessKeyId: AKIA }')).toContain('offsite.secretAccessKey: set accessKeyId and secretAccessKey together');
    expect(problems('offsite: { type: local, path: relative/dir }')).toContain('offsite.path: must be an absolute path');
    expect(problems('offsite: { type: local }')).toContain('offsite.path: required when type is local');
    expect(problems('offsite: { type: local, path: /srv/x, bucket: b1b }')).toContain('offsite.bucket: only for type s3');
    expect(problems('offsite: { bucket: b1b, prefix: "a//b" }')).toContain('offsite.prefix');
    expect(problems('offsite: { bucket: b1b, prefix: "../up" }')).toContain('offsite.prefix');
  });

  it('reads bandwidth in bytes per second', () => {
    expect(parse('offsite: { bucket: b1b, bandwidthLimit: 50MiB/s }').bandwidthLimit).toBe(50 * 1024 * 1024);
    expect(parse('offsite: { bucket: b1b, bandwidthLimit: 20MB }').bandwidthLimit).toBe(20_000_000);
    expect(parse('offsite: { bucket: b1b, bandwidthLimit: 800KiB/s }').bandwidthLimit).toBe(800 * 1024);
    expect(parse('offsite: { bucket: b1b, bandwidthLimit: 1000000 }').bandwidthLimit).toBe(1_000_000);
  });
});

describe('openOffsiteTarget', () => {
  it('a local block opens a working directory target under retries', async () => {
    const dir = makeTempDir('redback-open-target-');
    try {
      const config = parse(`offsite: { type: local, path: ${dir.path}, prefix: /team/redis/ }`);
      const target = openOffsiteTarget(config);
      expect(target).toBeInstanceOf(RetryingTarget);
      expect((target as RetryingTarget).inner).toBeInstanceOf(LocalDirTarget);
      const keys = offsiteKeysFor(config);
      const key = keys.manifestKey({ agentId: 'host-1', instance: 'main' }, '20261204T030000Z-abcdef');
      expect(key).toBe('team/redis/host-1/main/sets/20261204T030000Z-abcdef/manifest.json');
      await target.put(key, Readable.from([Buffer.from('{}')]));
      expect((await target.stat(key))?.size).toBe(2);
    } finally {
      dir.cleanup();
    }
  });

  it('an s3 block opens S3 under a bandwidth cap under retries, describing itself without secrets', () => {
    const config = parse(`offsite:
  bucket: backups
  endpoint: https://minio.local:9000
  forcePathStyle: true
  accessKeyId: AKIAEXAMPLE
  secretAccessKey: very-secret-value
  bandwidthLimit: 10MiB/s`);
    const target = openOffsiteTarget(config);
    expect(target).toBeInstanceOf(RetryingTarget);
    const limited = (target as RetryingTarget).inner as RateLimitedTarget;
    expect(limited).toBeInstanceOf(RateLimitedTarget);
    expect(limited.inner).toBeInstanceOf(S3Target);
    expect(target.describe()).toBe(`s3://backups (https://minio.local:9000/) (at most ${10 * 1024 * 1024} bytes/s)`);
    expect(target.describe()).not.toContain('very-secret-value');
    (limited.inner as S3Target).destroy();
  });
});
