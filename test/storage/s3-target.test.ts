import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedbackError } from '../../shared/errors/index.js';
import { RetryingTarget } from '../../shared/storage/retrying-target.js';
import { MiB, S3Target, partSizeFor } from '../../shared/storage/s3-target.js';
import { CuttingProxy } from '../helpers/cutting-proxy.js';
import { freePort } from '../helpers/ports.js';
import { TestS3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { runStorageContract } from './contract.js';

const run = promisify(execFile);

runStorageContract('s3 (s3rver)', async () => {
  const server = await TestS3Server.start();
  const proxy = await CuttingProxy.start(server.port);
  // Small parts and pages so the suite exercises multipart uploads and list paging.
  const target = new S3Target(server.targetOptions({ endpoint: proxy.endpoint, partSize: 5 * MiB, listPageSize: 7 }));
  return {
    target,
    multipartSize: 12 * MiB + 123,
    interrupt: async () => proxy.cutNow(),
    teardown: async () => {
      target.destroy();
      await proxy.stop();
      await server.stop();
    },
  };
});

/** Records the commands (and their inputs and request headers) a target's client sends. */
function recordCommands(target: S3Target): Array<{ command: string; input: Record<string, unknown>; headers: Record<string, string> }> {
  const seen: Array<{ command: string; input: Record<string, unknown>; headers: Record<string, string> }> = [];
  target.client.middlewareStack.add(
    (next, context) => async (args) => {
      const request = args.request as { headers?: Record<string, string> } | undefined;
      seen.push({ command: context.commandName ?? '?', input: args.input as Record<string, unknown>, headers: { ...(request?.headers ?? {}) } });
      return next(args);
    },
    { step: 'finalizeRequest', name: 'redbackTestRecorder', priority: 'low' },
  );
  return seen;
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function errorOf(promise: Promise<unknown>): Promise<RedbackError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RedbackError);
    return err as RedbackError;
  }
  throw new Error('expected an error');
}

describe('partSizeFor: parts grow with the object so 10 000 parts are never needed', () => {
  it('keeps the minimum for small objects and stays under 9 000 parts for huge ones', () => {
    expect(partSizeFor(undefined)).toBe(8 * MiB);
    expect(partSizeFor(1 * MiB)).toBe(8 * MiB);
    expect(partSizeFor(50 * 1024 * MiB)).toBe(8 * MiB); // 50 GiB: 6 400 parts of 8 MiB
    expect(partSizeFor(100 * 1024 * MiB)).toBe(12 * MiB);
    for (const size of [80 * 1024 * MiB, 1024 * 1024 * MiB, 5 * 1024 * 1024 * MiB]) {
      const part = partSizeFor(size);
      expect(part % MiB).toBe(0);
      expect(Math.ceil(size / part)).toBeLessThanOrEqual(9000);
    }
    expect(partSizeFor(1 * MiB, 5 * MiB)).toBe(5 * MiB);
    expect(partSizeFor(1 * MiB, 1 * MiB)).toBe(5 * MiB); // never below S3's minimum
  });
});

describe('S3Target against s3rver', () => {
  let server: TestS3Server;

  beforeAll(async () => {
    server = await TestS3Server.start();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('uploads in parallel parts sized from the size or its bound, and aborts nothing on success', async () => {
    const target = new S3Target(server.targetOptions({ partSize: 5 * MiB, queueSize: 3 }));
    try {
      const seen = recordCommands(target);
      const data = randomBytes(12 * MiB + 5);
      await target.put('mp/exact', Readable.from([data]), { size: data.length });
      const parts = seen.filter((s) => s.command === 'UploadPartCommand');
      expect(seen.map((s) => s.command)).toContain('CreateMultipartUploadCommand');
      expect(seen.map((s) => s.command)).toContain('CompleteMultipartUploadCommand');
      expect(seen.map((s) => s.command)).not.toContain('AbortMultipartUploadCommand');
      expect(parts).toHaveLength(3);

      // A compressed stream's size is unknown; an upper bound (maxSize) makes the parts grow:
      // 200 GiB / 9 000 -> 23 MiB parts, so 30 MiB takes 2 parts instead of 6.
      seen.length = 0;
      const more = randomBytes(30 * MiB);
      await target.put('mp/bounded', Readable.from([more]), { maxSize: 200 * 1024 * MiB });
      const bounded = seen.filter((s) => s.command === 'UploadPartCommand');
      expect(bounded).toHaveLength(2);
      expect((bounded[0]!.input.Body as Buffer).length).toBe(23 * MiB);
      expect(sha(await readAll(await target.get('mp/bounded')))).toBe(sha(more));
    } finally {
      target.destroy();
    }
  });

  it('an object uploaded by redback is readable by the aws CLI, and the other way round', async () => {
    const { stdout: version } = await run('aws', ['--version']).catch((err: unknown) => {
      throw new Error(`the aws CLI is missing (apt-get install awscli): ${(err as Error).message}`);
    });
    expect(version + '').toMatch(/aws-cli/);
    const tmp = makeTempDir('redback-awscli-');
    const target = new S3Target(server.targetOptions({ partSize: 5 * MiB }));
    try {
      const data = randomBytes(11 * MiB + 7);
      await target.put('cross/ours.bin', Readable.from([data]), { size: data.length });
      const downloaded = join(tmp.path, 'ours.bin');
      await run('aws', ['--endpoint-url', server.endpoint, 's3', 'cp', `s3://${server.bucket}/cross/ours.bin`, downloaded], { env: server.awsEnv() });
      expect(sha(readFileSync(downloaded))).toBe(sha(data));

      const theirs = randomBytes(300_000);
      const upload = join(tmp.path, 'theirs.bin');
      writeFileSync(upload, theirs);
      await run('aws', ['--endpoint-url', server.endpoint, 's3', 'cp', upload, `s3://${server.bucket}/cross/theirs.bin`], { env: server.awsEnv() });
      expect(sha(await readAll(await target.get('cross/theirs.bin')))).toBe(sha(theirs));
    } finally {
      target.destroy();
      tmp.cleanup();
    }
  }, 180_000); // the aws CLI (Python) starts slowly on a loaded machine

  it('bad credentials: OFFSITE_AUTH (exit 15, not retried) for every operation', async () => {
    let retries = 0;
    const s3 = new S3Target(server.targetOptions({ credentials: { accessKeyId: 'WRONGKEY', secretAccessKey: 'wrong-secret' } }));
    const target = new RetryingTarget(s3, { attempts: 4, baseDelayMs: 1, onRetry: () => retries++ });
    try {
      const errors = [
        await errorOf(target.put('x', () => Readable.from([Buffer.from('hi')]))),
        await errorOf(target.get('x')),
        await errorOf(target.stat('x')),
        await errorOf((async () => {
          for await (const _ of target.list('')) void _;
        })()),
        await errorOf(target.delete('x')),
      ];
      for (const err of errors) {
        expect(err.code).toBe('OFFSITE_AUTH');
        expect(err.exitCode).toBe(15);
        expect(err.hint).toMatch(/accessKeyId|credentials/);
        expect(err.message).not.toContain('wrong-secret');
      }
      expect(retries).toBe(0);
    } finally {
      s3.destroy();
    }
  });

  it('unreachable endpoint: OFFSITE_ERROR after the retries', async () => {
    const closedPort = await freePort();
    const retried: string[] = [];
    const s3 = new S3Target(server.targetOptions({ endpoint: `http://127.0.0.1:${closedPort}`, maxAttempts: 1 }));
    const target = new RetryingTarget(s3, { attempts: 3, baseDelayMs: 5, onRetry: (r) => retried.push(`${r.operation}#${r.attempt}`) });
    try {
      const statError = await errorOf(target.stat('x'));
      expect(statError.code).toBe('OFFSITE_ERROR');
      expect(statError.exitCode).toBe(15);
      expect(statError.message).toMatch(/ECONNREFUSED.*gave up after 3 attempts/);
      let opened = 0;
      const putError = await errorOf(
        target.put('x', () => {
          opened++;
          return Readable.from([Buffer.from('hi')]);
        }),
      );
      expect(putError.code).toBe('OFFSITE_ERROR');
      expect(opened).toBe(3); // a body factory is re-opened per attempt
      // A plain stream cannot be re-read: one attempt.
      const streamError = await errorOf(target.put('y', Readable.from([Buffer.from('hi')])));
      expect(streamError.code).toBe('OFFSITE_ERROR');
      expect(retried).toEqual(['stat#1', 'stat#2', 'put#1', 'put#2']);
    } finally {
      s3.destroy();
    }
  });

  it('a missing bucket is OFFSITE_REFUSED with a hint', async () => {
    const target = new S3Target(server.targetOptions({ bucket: 'no-such-bucket' }));
    try {
      const err = await errorOf(target.put('x', Readable.from([Buffer.from('hi')])));
      expect(err.code).toBe('OFFSITE_REFUSED');
      expect(err.message).toContain('no-such-bucket does not exist');
      expect(err.hint).toContain('offsite.bucket');
    } finally {
      target.destroy();
    }
  });

  it('sends storage class, SSE and Object Lock retention on every upload', async () => {
    const target = new S3Target(
      server.targetOptions({
        partSize: 5 * MiB,
        storageClass: 'STANDARD_IA',
        serverSideEncryption: 'aws:kms',
        kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/test',
        objectLock: { mode: 'GOVERNANCE', days: 7 },
      }),
    );
    try {
      const seen = recordCommands(target);
      await target.put('opts/small', Readable.from([Buffer.from('small')]));
      await target.put('opts/large', Readable.from([randomBytes(6 * MiB)]), { size: 6 * MiB });
      const starts = seen.filter((s) => s.command === 'PutObjectCommand' || s.command === 'CreateMultipartUploadCommand');
      expect(starts).toHaveLength(2);
      for (const { headers } of starts) {
        expect(headers['x-amz-storage-class']).toBe('STANDARD_IA');
        expect(headers['x-amz-server-side-encryption']).toBe('aws:kms');
        expect(headers['x-amz-server-side-encryption-aws-kms-key-id']).toBe('arn:aws:kms:us-east-1:111122223333:key/test');
        expect(headers['x-amz-object-lock-mode']).toBe('GOVERNANCE');
        const until = new Date(headers['x-amz-object-lock-retain-until-date']!).getTime();
        expect(Math.abs(until - (Date.now() + 7 * 86_400_000))).toBeLessThan(60_000);
      }
    } finally {
      target.destroy();
    }
  });

  it('checksum mode: WHEN_SUPPORTED sends CRC checksums, WHEN_REQUIRED does not', async () => {
    const checksumHeaders = async (mode: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'): Promise<string[]> => {
      const target = new S3Target(server.targetOptions({ checksumMode: mode, partSize: 5 * MiB }));
      try {
        const seen = recordCommands(target);
        await target.put(`ck/${mode}/small`, Readable.from([Buffer.from('small')]));
        await target.put(`ck/${mode}/large`, Readable.from([randomBytes(6 * MiB)]), { size: 6 * MiB });
        return seen
          .filter((s) => ['PutObjectCommand', 'UploadPartCommand', 'CreateMultipartUploadCommand'].includes(s.command))
          .flatMap((s) => Object.keys(s.headers).filter((h) => /checksum|trailer/i.test(h)));
      } finally {
        target.destroy();
      }
    };
    expect((await checksumHeaders('WHEN_SUPPORTED')).length).toBeGreaterThan(0);
    expect(await checksumHeaders('WHEN_REQUIRED')).toEqual([]);
  });

  it('pages lists (1000 keys per request by default; fewer when asked)', async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `page/k${String(i).padStart(3, '0')}`);
    const writer = new S3Target(server.targetOptions());
    const paged = new S3Target(server.targetOptions({ listPageSize: 5 }));
    try {
      await Promise.all(keys.map((key) => writer.put(key, Readable.from([Buffer.from('x')]), { size: 1 })));
      const seenDefault = recordCommands(writer);
      const seenPaged = recordCommands(paged);
      const listed: string[] = [];
      for await (const entry of paged.list('page/')) listed.push(entry.key);
      expect([...listed].sort()).toEqual(keys);
      const pages = seenPaged.filter((s) => s.command === 'ListObjectsV2Command');
      expect(pages).toHaveLength(3);
      expect(pages.map((p) => p.input.MaxKeys)).toEqual([5, 5, 5]);
      expect(pages[1]!.input.ContinuationToken).toBeTruthy();
      for await (const _ of writer.list('page/')) void _;
      expect(seenDefault.filter((s) => s.command === 'ListObjectsV2Command').map((p) => p.input.MaxKeys)).toEqual([1000]);
    } finally {
      writer.destroy();
      paged.destroy();
    }
  });

  it('abortIncompleteUploads on a store without ListMultipartUploads says to use a lifecycle rule', async () => {
    const target = new S3Target(server.targetOptions());
    try {
      const err = await errorOf(target.abortIncompleteUploads(new Date()));
      expect(err.code).toBe('OFFSITE_REFUSED');
      expect(err.hint).toMatch(/lifecycle rule/);
    } finally {
      target.destroy();
    }
  });

  it('describe() names bucket and endpoint, never credentials', () => {
    const target = new S3Target(server.targetOptions({ endpoint: 'https://user:topsecret@minio.example.com:9000' }));
    expect(target.describe()).toBe('s3://redback-test (https://user:***@minio.example.com:9000/)');
    target.destroy();
  });
});
