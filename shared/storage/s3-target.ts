import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
  type GetObjectCommandOutput,
  type PutObjectCommandInput,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { RedbackError } from '../errors/index.js';
import { redactUrl } from '../log/logger.js';
import { s3Error } from './s3-errors.js';
import { cancelGetOnAbort, expectLength, putBodyCounter } from './stream-checks.js';
import {
  cancelledError,
  openBody,
  shortReadError,
  validateKey,
  validatePrefix,
  validateRange,
  type GetOptions,
  type ListEntry,
  type ObjectStat,
  type PutBody,
  type PutOptions,
  type PutResult,
  type StorageFeatures,
  type StorageTarget,
} from './storage-target.js';

// The SDK warns on every process start under Node < 22 (redback supports Node 20): that warning
// would land on the CLI's stderr, which is for redback's own one-line errors. An operator who
// wants it back sets the variable to "false".
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const MiB = 1024 * 1024;
/** S3's smallest part (except the last). */
export const MIN_PART_SIZE = 5 * MiB;
/** redback's default smallest part: fewer requests than S3's minimum, still small in memory. */
export const DEFAULT_PART_SIZE = 8 * MiB;
/** Parts per object redback aims to stay under (S3 allows 10 000; the rest is headroom). */
export const TARGET_MAX_PARTS = 9000;
export const DEFAULT_QUEUE_SIZE = 4;

export interface S3TargetOptions {
  bucket: string;
  /** `https://s3.example.com` for S3-compatible stores; omitted for AWS. */
  endpoint?: string;
  /** Default `us-east-1` (R2 wants `auto`). */
  region?: string;
  /** `bucket` in the path instead of the host name (MinIO, Ceph, s3rver). */
  forcePathStyle?: boolean;
  /** Static credentials; omitted: the standard AWS chain (env, profile, web identity, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** `STANDARD_IA`, `GLACIER_IR`, ...; omitted: the bucket's default. */
  storageClass?: string;
  serverSideEncryption?: 'AES256' | 'aws:kms';
  /** With `aws:kms`: the key id or ARN; omitted: the account's default `aws/s3` key. */
  kmsKeyId?: string;
  /**
   * `WHEN_SUPPORTED` (the SDK's default, for AWS): CRC checksums on every upload and response.
   * `WHEN_REQUIRED`: only where the API demands one (R2, B2, some MinIO and Ceph versions, s3rver
   * reject the defaults).
   */
  checksumMode?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED';
  /** Object Lock retention set on every object put (the bucket must have Object Lock enabled). */
  objectLock?: { mode: 'GOVERNANCE' | 'COMPLIANCE'; days: number };
  /** Smallest part in bytes (>= 5 MiB, default 8 MiB); grows with the object, see `partSizeFor`. */
  partSize?: number;
  /** Parts uploaded in parallel per put (default 4); memory is about queueSize × part size. */
  queueSize?: number;
  /** Keys per list request (default 1000, S3's maximum). */
  listPageSize?: number;
  /** Attempts per request inside the SDK (default 3); `RetryingTarget` retries whole operations. */
  maxAttempts?: number;
  connectTimeoutMs?: number;
  /** Longest silence on a socket before a request fails (default 120 s). */
  requestTimeoutMs?: number;
}

/**
 * The part size for an object of `size` bytes (or at most `size`, when only a bound is known): at
 * least `minPartSize`, and large enough that the object takes at most 9 000 parts (S3 allows
 * 10 000), rounded up to a whole MiB. Without a size, `minPartSize`: objects are then limited to
 * 10 000 parts (about 78 GiB with 8 MiB parts).
 */
export function partSizeFor(size: number | undefined, minPartSize = DEFAULT_PART_SIZE): number {
  const min = Math.max(minPartSize, MIN_PART_SIZE);
  if (size === undefined || size <= 0) return min;
  return Math.max(min, Math.ceil(size / TARGET_MAX_PARTS / MiB) * MiB);
}

/**
 * S3 and S3-compatible stores as a storage target. Puts stream through `@aws-sdk/lib-storage`'s
 * `Upload`: one PutObject for a small object, otherwise a multipart upload with `queueSize` parts
 * in flight, aborted on any failure, so an object is either absent or complete (S3 makes an
 * object visible only when its upload completes). Gets are ranged GetObjects whose streams fail
 * with SHORT_READ when the connection drops early. Deleting an object under Object Lock retention
 * is refused before S3 is asked (on a versioned bucket S3 would only add a delete marker).
 */
export class S3Target implements StorageTarget {
  readonly features: StorageFeatures = {
    hardLinks: false,
    atomicRename: false,
    dirSync: false,
    objectLock: true,
    multipart: true,
  };
  readonly client: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private readonly queueSize: number;
  private readonly listPageSize: number;

  constructor(private readonly options: S3TargetOptions) {
    if (!options.bucket) throw new RedbackError('CONFIG_INVALID', 'offsite S3 target needs a bucket');
    if (options.partSize !== undefined && options.partSize < MIN_PART_SIZE) {
      throw new RedbackError('CONFIG_INVALID', `offsite part size must be at least 5 MiB (got ${options.partSize} bytes)`);
    }
    this.bucket = options.bucket;
    this.partSize = options.partSize ?? DEFAULT_PART_SIZE;
    this.queueSize = Math.max(1, options.queueSize ?? DEFAULT_QUEUE_SIZE);
    this.listPageSize = Math.min(1000, Math.max(1, options.listPageSize ?? 1000));
    const mode = options.checksumMode ?? 'WHEN_SUPPORTED';
    const config: S3ClientConfig = {
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? false,
      maxAttempts: options.maxAttempts ?? 3,
      requestChecksumCalculation: mode,
      responseChecksumValidation: mode,
      requestHandler: {
        connectionTimeout: options.connectTimeoutMs ?? 10_000,
        requestTimeout: options.requestTimeoutMs ?? 120_000,
      },
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    };
    this.client = new S3Client(config);
  }

  describe(): string {
    return `s3://${this.bucket}${this.options.endpoint ? ` (${redactUrl(this.options.endpoint)})` : ''}`;
  }

  private fail(err: unknown, operation: string, key?: string): RedbackError {
    return s3Error(err, { operation, target: this.describe(), bucket: this.bucket, ...(key !== undefined ? { key } : {}) });
  }

  async put(key: string, body: PutBody, opts: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    if (opts.signal?.aborted) throw cancelledError(`put ${key}`);
    const source = await openBody(body);
    const counter = putBodyCounter(key, opts);
    source.on('error', (err) => counter.destroy(err));
    // Upload reads `counter` with for-await, which sees its errors; this listener only keeps an
    // error arriving after Upload stopped reading (it failed first) from crashing the process.
    counter.on('error', () => undefined);
    source.pipe(counter);

    const params: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: counter,
      ...(opts.contentType ? { ContentType: opts.contentType } : {}),
      ...(opts.size !== undefined ? { ContentLength: opts.size } : {}),
      ...(this.options.storageClass ? { StorageClass: this.options.storageClass as PutObjectCommandInput['StorageClass'] } : {}),
      ...(this.options.serverSideEncryption ? { ServerSideEncryption: this.options.serverSideEncryption } : {}),
      ...(this.options.kmsKeyId ? { SSEKMSKeyId: this.options.kmsKeyId } : {}),
      ...(this.options.objectLock
        ? {
            ObjectLockMode: this.options.objectLock.mode,
            ObjectLockRetainUntilDate: new Date(Date.now() + this.options.objectLock.days * 86_400_000),
          }
        : {}),
    };
    const upload = new Upload({
      client: this.client,
      params,
      queueSize: this.queueSize,
      partSize: partSizeFor(opts.size ?? opts.maxSize, this.partSize),
      leavePartsOnError: false,
    });
    const onAbort = (): void => void upload.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const result = await upload.done();
      return { key, size: counter.bytes, ...(result.ETag ? { etag: result.ETag } : {}) };
    } catch (err) {
      source.destroy();
      counter.destroy();
      if (opts.signal?.aborted) throw cancelledError(`put ${key}`);
      if (err instanceof Error && /Exceeded \d+ parts/.test(err.message)) {
        throw new RedbackError('OFFSITE_REFUSED', `put ${key} on ${this.describe()}: the object needs more than 10000 parts`, {
          hint: 'pass the size (or an upper bound) of large bodies so the part size can grow, or raise offsite.partSizeMiB',
          cause: err,
        });
      }
      throw this.fail(err, 'put', key);
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  async get(key: string, opts: GetOptions = {}): Promise<Readable> {
    validateKey(key);
    validateRange(opts.range);
    if (opts.signal?.aborted) throw cancelledError(`get ${key}`);
    const start = opts.range?.start ?? 0;
    const end = opts.range?.end;
    if (end !== undefined && end <= start) {
      // An empty range: S3 cannot express it; the key must still exist.
      if (!(await this.stat(key))) throw this.fail({ name: 'NoSuchKey' }, 'get', key);
      return Readable.from([]);
    }
    const range = opts.range ? `bytes=${start}-${end !== undefined ? end - 1 : ''}` : undefined;
    let response: GetObjectCommandOutput;
    try {
      response = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: key, ...(range ? { Range: range } : {}) }),
        opts.signal ? { abortSignal: opts.signal } : {},
      );
    } catch (err) {
      if (opts.signal?.aborted) throw cancelledError(`get ${key}`);
      if ((err as { name?: string }).name === 'InvalidRange') return Readable.from([]); // start at or past the end
      throw this.fail(err, 'get', key);
    }
    const body = response.Body as Readable | undefined;
    const expected = response.ContentLength ?? 0;
    if (!body) return Readable.from([]);
    const stream = expectLength(
      body,
      expected,
      (got) => shortReadError(this.describe(), key, got, expected),
      (err, got) => {
        if (opts.signal?.aborted) return cancelledError(`get ${key}`);
        const short = shortReadError(this.describe(), key, got, expected);
        return new RedbackError('SHORT_READ', `${short.message} (${(err as Error).message ?? err})`, {
          hint: short.hint,
          cause: err,
          details: short.details,
        });
      },
    );
    cancelGetOnAbort(stream, key, opts.signal);
    return stream;
  }

  async stat(key: string): Promise<ObjectStat | null> {
    validateKey(key);
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        size: head.ContentLength ?? 0,
        modified: head.LastModified ?? new Date(0),
        ...(head.ETag ? { etag: head.ETag } : {}),
        ...(head.ObjectLockRetainUntilDate ? { lockedUntil: head.ObjectLockRetainUntilDate } : {}),
        ...(head.ObjectLockLegalHoldStatus === 'ON' ? { legalHold: true } : {}),
      };
    } catch (err) {
      const mapped = this.fail(err, 'stat', key);
      if (mapped.code === 'NOT_FOUND') return null;
      throw mapped;
    }
  }

  async *list(prefix: string): AsyncIterable<ListEntry> {
    validatePrefix(prefix);
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            MaxKeys: this.listPageSize,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        );
      } catch (err) {
        throw this.fail(err, 'list', prefix);
      }
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield { key: item.Key, size: item.Size ?? 0, modified: item.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async delete(key: string): Promise<void> {
    validateKey(key);
    const info = await this.stat(key);
    if (!info) return;
    if (info.legalHold) {
      throw new RedbackError('OFFSITE_REFUSED', `cannot delete ${key} on ${this.describe()}: under an Object Lock legal hold`, {
        hint: 'lift the legal hold first (s3:PutObjectLegalHold); retention skips held objects',
        details: { key, legalHold: true },
      });
    }
    if (info.lockedUntil && info.lockedUntil.getTime() > Date.now()) {
      throw new RedbackError('OFFSITE_REFUSED', `cannot delete ${key} on ${this.describe()}: under Object Lock until ${info.lockedUntil.toISOString()}`, {
        hint: 'locked objects expire on their own; retention skips them',
        details: { key, lockedUntil: info.lockedUntil.toISOString() },
      });
    }
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      const mapped = this.fail(err, 'delete', key);
      if (mapped.code === 'NOT_FOUND') return;
      throw mapped;
    }
  }

  async abortIncompleteUploads(olderThan: Date): Promise<number> {
    let aborted = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    for (;;) {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.bucket,
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(uploadIdMarker ? { UploadIdMarker: uploadIdMarker } : {}),
          }),
        );
      } catch (err) {
        const mapped = this.fail(err, 'list multipart uploads');
        if (mapped.code === 'OFFSITE_REFUSED') {
          throw new RedbackError('OFFSITE_REFUSED', `${mapped.message}`, {
            hint: 'add a lifecycle rule AbortIncompleteMultipartUpload (1 day) to the bucket instead',
            cause: err,
            ...(mapped.details ? { details: mapped.details } : {}),
          });
        }
        throw mapped;
      }
      for (const upload of page.Uploads ?? []) {
        if (!upload.Key || !upload.UploadId || !upload.Initiated || upload.Initiated >= olderThan) continue;
        try {
          await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
          aborted++;
        } catch (err) {
          const mapped = this.fail(err, 'abort multipart upload', upload.Key);
          if (mapped.code !== 'NOT_FOUND' && !/NoSuchUpload/.test(String((err as Error).name))) throw mapped;
        }
      }
      if (!page.IsTruncated) return aborted;
      keyMarker = page.NextKeyMarker;
      uploadIdMarker = page.NextUploadIdMarker;
    }
  }

  /** Releases the client's sockets. */
  destroy(): void {
    this.client.destroy();
  }
}
