import type { Readable } from 'node:stream';
import { RedbackError } from '../errors/index.js';
import type { OffsiteTarget } from './offsite-target.js';

/** Anything redback stores as a small JSON object (a set manifest, the archive's index) is below this. */
const SMALL_OBJECT_LIMIT = 64 * 1024 * 1024;

/**
 * Reads a small object (a manifest or index) as text; null when it does not exist. An object
 * larger than any such file is refused (`what` names what it should have been).
 */
export async function readSmallText(target: OffsiteTarget, key: string, what: string): Promise<string | null> {
  let stream: Readable;
  try {
    stream = await target.get(key);
  } catch (err) {
    if (err instanceof RedbackError && err.code === 'NOT_FOUND') return null;
    throw err;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > SMALL_OBJECT_LIMIT) throw new RedbackError('VERIFY_FAILED', `${key} is larger than any ${what}`);
  }
  return Buffer.concat(chunks).toString('utf8');
}
