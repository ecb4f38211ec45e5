import { RedbackError, type ErrorCode } from '../errors/index.js';

/**
 * Maps what `@aws-sdk/client-s3` throws to RedbackErrors: the one place that knows S3 error names.
 *
 * - `NOT_FOUND`: NoSuchKey, NotFound (a HEAD's 404).
 * - `OFFSITE_AUTH` (not retryable): the credentials were rejected or are missing.
 * - `OFFSITE_REFUSED` (not retryable): the store understood and said no (no such bucket, access
 *   denied, wrong region, unsupported request or checksum, locked object, bad KMS key, other 4xx).
 * - `OFFSITE_ERROR` (retryable): network errors, timeouts, throttling, 5xx, corrupted transfers.
 * - `CANCELLED`: the caller aborted.
 */

/** S3 error names (the `Code` of the XML error, the SDK's `err.name`) grouped by what they mean. */
const AUTH_NAMES = new Set([
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'ExpiredToken',
  'InvalidToken',
  'TokenRefreshRequired',
  'InvalidSecurity',
  'CredentialsProviderError',
  'Unauthorized',
]);
const RETRYABLE_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'InternalError',
  'ServiceUnavailable',
  'BadDigest',
  'XAmzContentSHA256Mismatch',
  'IncompleteBody',
  'TimeoutError',
  'RequestTimeTooSkewed',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface SdkErrorShape {
  name?: string;
  code?: string;
  message?: string;
  Code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
  $retryable?: unknown;
}

/** What an S3 call was doing, for the message: `put`, `get`, `list`, ... and the key or prefix. */
export interface S3ErrorContext {
  operation: string;
  key?: string;
  /** The target's `describe()`. */
  target: string;
  bucket: string;
}

export function s3Error(err: unknown, ctx: S3ErrorContext): RedbackError {
  if (err instanceof RedbackError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.Code ?? e.name ?? '';
  const status = e.$metadata?.httpStatusCode;
  const what = `${ctx.operation}${ctx.key ? ` ${ctx.key}` : ''} on ${ctx.target}`;
  const detail = e.message && e.message !== name ? `${name}: ${e.message}` : name || String(err);
  const details = {
    operation: ctx.operation,
    ...(ctx.key !== undefined ? { key: ctx.key } : {}),
    s3Code: name,
    ...(status !== undefined ? { httpStatus: status } : {}),
    ...(e.$metadata?.requestId ? { requestId: e.$metadata.requestId } : {}),
  };
  const make = (code: ErrorCode, message: string, hint?: string): RedbackError =>
    new RedbackError(code, message, { cause: err, details, ...(hint ? { hint } : {}) });

  if (name === 'AbortError') return make('CANCELLED', `${what} cancelled`);
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket' && ctx.key !== undefined)) {
    return make('NOT_FOUND', ctx.key !== undefined ? `no object ${ctx.key} in ${ctx.target}` : `${what} failed: not found`);
  }
  if (name === 'NoSuchBucket') {
    return make('OFFSITE_REFUSED', `${what} failed: bucket ${ctx.bucket} does not exist`, 'create the bucket or fix offsite.bucket (and offsite.region / offsite.endpoint)');
  }
  if (AUTH_NAMES.has(name) || status === 401) {
    return make(
      'OFFSITE_AUTH',
      `${what} failed: credentials rejected (${detail})`,
      'check offsite.accessKeyId / secretAccessKey or the AWS credential chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, instance role)',
    );
  }
  if (name === 'AccessDenied' || name === 'AllAccessDisabled' || name === 'AccountProblem') {
    return make('OFFSITE_REFUSED', `${what} failed: access denied (${detail})`, 'grant these credentials s3:PutObject, GetObject, ListBucket and DeleteObject on the bucket');
  }
  if (status === 403) {
    // A HEAD's 403 has no body: bad credentials and a missing permission look the same.
    return make('OFFSITE_AUTH', `${what} failed: access denied (credentials rejected or not permitted)`, 'check the credentials and that they may read and write the bucket');
  }
  if (name === 'PermanentRedirect' || name === 'AuthorizationHeaderMalformed' || name === 'IllegalLocationConstraintException' || status === 301) {
    return make('OFFSITE_REFUSED', `${what} failed: wrong region for bucket ${ctx.bucket} (${detail})`, 'set offsite.region to the bucket\'s region');
  }
  if (/checksum/i.test(name) || /checksum/i.test(e.message ?? '') || name === 'NotImplemented' || name === 'InvalidArgument' || name === 'InvalidRequest') {
    if (/checksum|crc/i.test(`${name} ${e.message ?? ''}`)) {
      return make('OFFSITE_REFUSED', `${what} failed: the store rejected the request's checksum (${detail})`, 'S3-compatible stores (R2, B2, MinIO, Ceph) often need offsite.checksumMode: WHEN_REQUIRED');
    }
    return make('OFFSITE_REFUSED', `${what} failed: the store does not support this request (${detail})`);
  }
  if (name === 'InvalidObjectState' || name === 'ObjectLockConfigurationNotFoundError') {
    return make('OFFSITE_REFUSED', `${what} failed: ${detail}`, 'Object Lock needs a bucket created with Object Lock enabled');
  }
  if (name.startsWith('KMS.') || /kms/i.test(name)) {
    return make('OFFSITE_REFUSED', `${what} failed: KMS refused (${detail})`, 'check offsite.kmsKeyId and that the credentials may use the key (kms:GenerateDataKey, kms:Decrypt)');
  }
  if (name === 'EntityTooLarge' || name === 'EntityTooSmall' || name === 'InvalidPart' || name === 'InvalidPartOrder' || name === 'InvalidStorageClass' || name === 'InvalidBucketName') {
    return make('OFFSITE_REFUSED', `${what} failed: ${detail}`);
  }
  if (RETRYABLE_NAMES.has(name) || (status !== undefined && (status >= 500 || status === 429)) || e.$fault === 'server') {
    return make('OFFSITE_ERROR', `${what} failed: ${detail}`, 'the store is busy or failing; redback retries with backoff');
  }
  const netCode = e.code ?? ((err as { cause?: { code?: string } }).cause?.code);
  if ((netCode && NETWORK_CODES.has(netCode)) || status === undefined) {
    return make(
      'OFFSITE_ERROR',
      `${what} failed: ${netCode ?? detail}${netCode && e.message && !e.message.includes(netCode) ? ` (${e.message})` : ''}`,
      'check offsite.endpoint and the network path to the store',
    );
  }
  if (status >= 400) return make('OFFSITE_REFUSED', `${what} failed: ${detail} (HTTP ${status})`);
  return make('OFFSITE_ERROR', `${what} failed: ${detail}`);
}
