import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { RedbackError } from '../errors/index.js';

/**
 * Client-side encryption keys of offsite sets (pgBackRest's scheme):
 *
 * 1. every set gets a fresh random 32-byte data key; its objects are encrypted with it
 *    (AES-256-GCM segments, object-codec.ts);
 * 2. the data key is wrapped (AES-256-GCM, the set id as additional data) by the operator's key,
 *    loaded from an environment variable (`encryption.keyEnv`) or a file (`encryption.keyFile`):
 *    64 hex characters, base64 of 32 bytes, or (a file) 32 raw bytes;
 * 3. the wrapped key travels in the set's manifest; unwrapping it with another operator key fails
 *    its GCM tag: ENCRYPTION_KEY_WRONG, before a single byte of data is decrypted.
 *
 * Rotating the operator key therefore touches manifests only, never the data.
 */

export const DATA_KEY_BYTES = 32;
export const ENCRYPTION_ALGORITHM = 'aes-256-gcm';

/** Where the operator's key comes from (the `encryption` block of the offsite config). */
export interface OperatorKeySource {
  /** Name of the environment variable holding the key (64 hex characters or base64 of 32 bytes). */
  keyEnv?: string | undefined;
  /** Path of a file holding the key: 64 hex characters, base64 of 32 bytes, or 32 raw bytes. */
  keyFile?: string | undefined;
}

/** The manifest's record of how a set is encrypted. */
export interface EncryptionHeader {
  algorithm: typeof ENCRYPTION_ALGORITHM;
  /** Plaintext bytes per GCM segment of every object. */
  segmentBytes: number;
  /** base64 of nonce(12) ‖ ciphertext(32) ‖ tag(16): the data key wrapped by the operator key. */
  wrappedKey: string;
  /** First 16 hex digits of SHA-256("redback-key-id" ‖ operator key): names the key, reveals nothing. */
  keyId: string;
}

/** The operator key, or null when no source is configured. Throws MISSING/INVALID with a hint. */
export function loadOperatorKey(source: OperatorKeySource | undefined, env: NodeJS.ProcessEnv = process.env): Buffer | null {
  if (!source || (!source.keyEnv && !source.keyFile)) return null;
  if (source.keyEnv) {
    const value = env[source.keyEnv];
    if (value === undefined || value.trim() === '') {
      throw new RedbackError('ENCRYPTION_KEY_MISSING', `the offsite encryption key variable ${source.keyEnv} is not set`, {
        hint: `export ${source.keyEnv}=<64 hex characters> (generate one with: openssl rand -hex 32)`,
      });
    }
    return parseKey(Buffer.from(value.trim(), 'utf8'), `environment variable ${source.keyEnv}`);
  }
  const file = source.keyFile!;
  let raw: Buffer;
  try {
    raw = readFileSync(file);
  } catch (err) {
    throw new RedbackError('ENCRYPTION_KEY_MISSING', `cannot read the offsite encryption key file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
      hint: 'create it with: openssl rand -hex 32 > FILE && chmod 600 FILE (keep a copy somewhere safe: without it no set restores)',
    });
  }
  return parseKey(raw, `key file ${file}`);
}

function parseKey(raw: Buffer, where: string): Buffer {
  if (raw.length === DATA_KEY_BYTES) return Buffer.from(raw);
  const text = raw.toString('utf8').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/]{43}=$/.test(text)) return Buffer.from(text, 'base64');
  throw new RedbackError('ENCRYPTION_KEY_INVALID', `the offsite encryption key in ${where} is not 64 hex characters, base64 of 32 bytes, or 32 raw bytes`, {
    hint: 'generate a key with: openssl rand -hex 32',
  });
}

export function keyIdOf(operatorKey: Buffer): string {
  return createHash('sha256').update('redback-key-id').update(operatorKey).digest('hex').slice(0, 16);
}

export function newDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}

/** Wraps a set's data key with the operator key; the set id is bound in as additional data. */
export function wrapDataKey(dataKey: Buffer, operatorKey: Buffer, setId: string, segmentBytes: number): EncryptionHeader {
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', operatorKey, nonce);
  cipher.setAAD(Buffer.from(`redback.set-key/v1\0${setId}`));
  const ct = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return {
    algorithm: ENCRYPTION_ALGORITHM,
    segmentBytes,
    wrappedKey: Buffer.concat([nonce, ct, cipher.getAuthTag()]).toString('base64'),
    keyId: keyIdOf(operatorKey),
  };
}

/** The set's data key; ENCRYPTION_KEY_MISSING without an operator key, ENCRYPTION_KEY_WRONG when it is another key. */
export function unwrapDataKey(header: EncryptionHeader, operatorKey: Buffer | null, setId: string): Buffer {
  if (!operatorKey) {
    throw new RedbackError('ENCRYPTION_KEY_MISSING', `offsite set ${setId} is encrypted and no encryption key is configured`, {
      hint: 'set offsite.encryption.keyEnv or keyFile in the agent config to the key the set was uploaded with',
    });
  }
  const wrong = () =>
    new RedbackError('ENCRYPTION_KEY_WRONG', `the configured encryption key (id ${keyIdOf(operatorKey)}) is not the key offsite set ${setId} was encrypted with (id ${header.keyId})`, {
      hint: 'configure the key the set was uploaded with (offsite.encryption.keyEnv / keyFile); nothing was written',
      details: { setId, keyId: header.keyId, configuredKeyId: keyIdOf(operatorKey) },
    });
  const blob = Buffer.from(header.wrappedKey, 'base64');
  if (blob.length !== 12 + DATA_KEY_BYTES + 16) throw wrong();
  try {
    const decipher = createDecipheriv('aes-256-gcm', operatorKey, blob.subarray(0, 12));
    decipher.setAAD(Buffer.from(`redback.set-key/v1\0${setId}`));
    decipher.setAuthTag(blob.subarray(12 + DATA_KEY_BYTES));
    return Buffer.concat([decipher.update(blob.subarray(12, 12 + DATA_KEY_BYTES)), decipher.final()]);
  } catch {
    throw wrong();
  }
}
