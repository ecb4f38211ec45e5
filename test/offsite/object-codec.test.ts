import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { decodeObject, encodeObject, type Compression } from '../../shared/offsite/object-codec.js';
import { loadOperatorKey, newDataKey, unwrapDataKey, wrapDataKey } from '../../shared/offsite/set-keys.js';

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function source(data: Buffer, chunk = 65536): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < data.length; i += chunk) parts.push(data.subarray(i, i + chunk));
  return Readable.from(parts);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('object codec: zstd + AES-256-GCM segments', () => {
  const cases: Array<[string, number, Compression, boolean]> = [
    ['empty, plain', 0, 'none', false],
    ['empty, encrypted', 0, 'zstd', true],
    ['exact segment multiple, encrypted', 3 * 4096, 'none', true],
    ['odd size, zstd + encrypted', 50_001, 'zstd', true],
    ['zstd only', 200_000, 'zstd', false],
  ];
  for (const [name, size, compression, encrypted] of cases) {
    it(`round-trips: ${name}`, async () => {
      const data = Buffer.concat([randomBytes(size / 2), Buffer.alloc(size - size / 2, 7)].map((b) => b.subarray(0, Math.floor(b.length))));
      const key = encrypted ? newDataKey() : null;
      const enc = encodeObject(source(data), { objectKey: 'rdb', compression, dataKey: key, segmentBytes: 4096 });
      const stored = await collect(enc.stream);
      const d = enc.digests();
      expect(d.plainBytes).toBe(data.length);
      expect(d.plainSha256).toBe(sha(data));
      expect(d.storedBytes).toBe(stored.length);
      expect(d.storedSha256).toBe(sha(stored));
      const dec = decodeObject(source(stored, 1000), { objectKey: 'rdb', compression, dataKey: key, expected: d });
      expect((await collect(dec.stream)).equals(data)).toBe(true);
      expect(dec.digests()).toEqual(d);
    });
  }

  it('detects a flipped byte, truncation, a dropped segment and an object swapped under another key', async () => {
    const data = randomBytes(20_000);
    const key = newDataKey();
    const enc = encodeObject(source(data), { objectKey: 'a', compression: 'none', dataKey: key, segmentBytes: 4096 });
    const stored = await collect(enc.stream);
    const frame = 4 + 12 + 4096 + 16;
    const flipped = Buffer.from(stored);
    flipped[100] = flipped[100]! ^ 1;
    const truncated = stored.subarray(0, 4 + 2 * frame);
    const dropped = Buffer.concat([stored.subarray(0, 4), stored.subarray(4 + frame)]);
    for (const [bytes, objectKey, why] of [
      [flipped, 'a', /segment 0 failed authentication/],
      [truncated, 'a', /truncated after 2 segment/],
      [dropped, 'a', /segment 0 failed authentication/],
      [stored, 'b', /segment 0 failed authentication/],
    ] as const) {
      const dec = decodeObject(source(bytes), { objectKey, compression: 'none', dataKey: key });
      await expect(collect(dec.stream)).rejects.toMatchObject({ code: 'VERIFY_FAILED', message: expect.stringMatching(why) });
    }
  });

  it('a plain zstd object whose bytes differ from the manifest fails before the stream ends', async () => {
    const data = Buffer.alloc(100_000, 'abc');
    const enc = encodeObject(source(data), { objectKey: 'x', compression: 'zstd' });
    const stored = await collect(enc.stream);
    const dec = decodeObject(source(stored), { objectKey: 'x', compression: 'zstd', expected: { ...enc.digests(), plainSha256: '0'.repeat(64) } });
    await expect(collect(dec.stream)).rejects.toMatchObject({ code: 'VERIFY_FAILED' });
    const bad = Buffer.from(stored);
    bad[bad.length - 3] = bad[bad.length - 3]! ^ 0xff;
    const dec2 = decodeObject(source(bad), { objectKey: 'x', compression: 'zstd', expected: enc.digests() });
    await expect(collect(dec2.stream)).rejects.toMatchObject({ code: 'VERIFY_FAILED' });
  });

  it('wraps the data key; another operator key is ENCRYPTION_KEY_WRONG, a missing or malformed one is MISSING/INVALID', () => {
    const op = randomBytes(32);
    const dk = newDataKey();
    const header = wrapDataKey(dk, op, 'set-1', 4096);
    expect(unwrapDataKey(header, op, 'set-1').equals(dk)).toBe(true);
    expect(() => unwrapDataKey(header, randomBytes(32), 'set-1')).toThrow(expect.objectContaining({ code: 'ENCRYPTION_KEY_WRONG' }));
    expect(() => unwrapDataKey(header, op, 'set-2')).toThrow(expect.objectContaining({ code: 'ENCRYPTION_KEY_WRONG' }));
    expect(() => unwrapDataKey(header, null, 'set-1')).toThrow(expect.objectContaining({ code: 'ENCRYPTION_KEY_MISSING' }));
    expect(loadOperatorKey({ keyEnv: 'K' }, { K: op.toString('hex') })!.equals(op)).toBe(true);
    expect(loadOperatorKey({ keyEnv: 'K' }, { K: op.toString('base64') })!.equals(op)).toBe(true);
    expect(() => loadOperatorKey({ keyEnv: 'K' }, {})).toThrow(expect.objectContaining({ code: 'ENCRYPTION_KEY_MISSING' }));
    expect(() => loadOperatorKey({ keyEnv: 'K' }, { K: 'abc' })).toThrow(expect.objectContaining({ code: 'ENCRYPTION_KEY_INVALID' }));
    expect(() => loadOperatorKey({ keyFile: '/nonexistent/key' }, {})).toThrow(expect.objectContaining({ code: 'ENCRYPTION_KEY_MISSING' }));
    expect(loadOperatorKey(undefined)).toBeNull();
  });
});
