import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedbackError } from '../../shared/errors/index.js';
import type { StorageTarget } from '../../shared/storage/storage-target.js';

/**
 * The one contract every StorageTarget meets (shared/storage/storage-target.ts). Each target's test
 * file plugs a real target in with `runStorageContract`; nothing here knows which one it is.
 */
export interface ContractFixture {
  target: StorageTarget;
  /** Makes a `get` stream already open on `key` end early (truncate the file, drop the connection). */
  interrupt(key: string): Promise<void>;
  /** Bytes of an object that takes more than two parts on this target (local: any size). */
  multipartSize: number;
  teardown(): Promise<void>;
}

const MiB = 1024 * 1024;

/** A deterministic body of `size` bytes in 64 KiB chunks (a stream, never one buffer). */
function bodyOf(data: Buffer, chunk = 64 * 1024): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < data.length; i += chunk) yield data.subarray(i, i + chunk);
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

export async function keysOf(target: StorageTarget, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const entry of target.list(prefix)) keys.push(entry.key);
  return keys;
}

/** Listed keys in byte order (list order is not part of the contract); duplicates kept. */
export async function sortedKeysOf(target: StorageTarget, prefix: string): Promise<string[]> {
  return (await keysOf(target, prefix)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(RedbackError);
    return (err as RedbackError).code;
  }
  return 'no error';
}

/** A body that yields `bytes` then fails (a reader that dies midway). */
function failingBody(bytes: number): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= bytes) {
        this.destroy(new Error('source died'));
        return;
      }
      const n = Math.min(64 * 1024, bytes - sent);
      sent += n;
      this.push(Buffer.alloc(n, 7));
    },
  });
}

export function runStorageContract(name: string, setup: () => Promise<ContractFixture>): void {
  describe(`StorageTarget contract: ${name}`, () => {
    let fx: ContractFixture;
    let target: StorageTarget;
    let bigData: Buffer;

    beforeAll(async () => {
      fx = await setup();
      target = fx.target;
      bigData = randomBytes(fx.multipartSize);
    });

    afterAll(async () => {
      await fx?.teardown();
    });

    it('streams a multi-part object in and out: same bytes, size, progress and stat', async () => {
      const progress: number[] = [];
      const result = await target.put('c/big.bin', bodyOf(bigData), { size: bigData.length, onProgress: (n) => progress.push(n) });
      expect(result).toMatchObject({ key: 'c/big.bin', size: bigData.length });
      expect(progress.at(-1)).toBe(bigData.length);
      expect(progress.length).toBeGreaterThan(2);
      const back = await readAll(await target.get('c/big.bin'));
      expect(back.length).toBe(bigData.length);
      expect(sha(back)).toBe(sha(bigData));
      const info = await target.stat('c/big.bin');
      expect(info?.size).toBe(bigData.length);
      expect(Math.abs(info!.modified.getTime() - Date.now())).toBeLessThan(5 * 60_000);
    });

    it('a body of unknown size is stored whole', async () => {
      const data = randomBytes(3 * MiB + 17);
      const result = await target.put('c/unsized.bin', bodyOf(data));
      expect(result.size).toBe(data.length);
      expect(sha(await readAll(await target.get('c/unsized.bin')))).toBe(sha(data));
    });

    it('a body factory is opened and stored', async () => {
      const data = randomBytes(1000);
      await target.put('c/factory.bin', () => bodyOf(data), { size: data.length });
      expect((await readAll(await target.get('c/factory.bin'))).equals(data)).toBe(true);
    });

    it('an empty object round-trips', async () => {
      await target.put('c/empty', bodyOf(Buffer.alloc(0)), { size: 0 });
      expect((await target.stat('c/empty'))?.size).toBe(0);
      expect((await readAll(await target.get('c/empty'))).length).toBe(0);
    });

    it('put replaces an existing object', async () => {
      await target.put('c/replace', bodyOf(Buffer.from('first version')));
      await target.put('c/replace', bodyOf(Buffer.from('second')));
      expect((await readAll(await target.get('c/replace'))).toString()).toBe('second');
      expect((await target.stat('c/replace'))?.size).toBe(6);
    });

    it('ranged gets: start/end, open end, clamped end, past the end, empty range', async () => {
      const data = randomBytes(200_000);
      await target.put('c/ranged', bodyOf(data), { size: data.length });
      const range = async (start: number, end?: number): Promise<Buffer> =>
        readAll(await target.get('c/ranged', { range: end === undefined ? { start } : { start, end } }));
      expect((await range(0, 10)).equals(data.subarray(0, 10))).toBe(true);
      expect((await range(12_345, 150_000)).equals(data.subarray(12_345, 150_000))).toBe(true);
      expect((await range(199_990)).equals(data.subarray(199_990))).toBe(true);
      expect((await range(199_990, 300_000)).equals(data.subarray(199_990))).toBe(true);
      expect((await range(200_000)).length).toBe(0);
      expect((await range(250_000)).length).toBe(0);
      expect((await range(5, 5)).length).toBe(0);
      expect(await codeOf(target.get('c/ranged', { range: { start: 10, end: 5 } }))).toBe('USAGE');
      expect(await codeOf(target.get('c/ranged', { range: { start: -1 } }))).toBe('USAGE');
      expect(await codeOf(target.get('c/missing', { range: { start: 0, end: 10 } }))).toBe('NOT_FOUND');
      expect(await codeOf(target.get('c/missing', { range: { start: 3, end: 3 } }))).toBe('NOT_FOUND');
    });

    it('missing keys: get rejects NOT_FOUND, stat is null, delete succeeds', async () => {
      expect(await codeOf(target.get('c/never-written'))).toBe('NOT_FOUND');
      expect(await target.stat('c/never-written')).toBeNull();
      await target.delete('c/never-written');
      // A "directory" of other keys is not an object either.
      await target.put('c/dir/inside', bodyOf(Buffer.from('x')));
      expect(await target.stat('c/dir')).toBeNull();
      expect(await codeOf(target.get('c/dir'))).toBe('NOT_FOUND');
    });

    it('lists by plain string prefix, each key once', async () => {
      const keys = [
        'l/a/x',
        'l/a/y/z',
        'l/a-b/x',
        'l/a.b',
        'l/ab/x',
        'l/b',
        ...Array.from({ length: 23 }, (_, i) => `l/many/k${String(i).padStart(3, '0')}`),
      ];
      await Promise.all(keys.map((k) => target.put(k, bodyOf(Buffer.from(k)))));
      const sorted = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
      expect(await sortedKeysOf(target, 'l/')).toEqual(sorted);
      expect(await sortedKeysOf(target, 'l/a/')).toEqual(['l/a/x', 'l/a/y/z']);
      expect(await sortedKeysOf(target, 'l/a')).toEqual(sorted.filter((k) => k.startsWith('l/a')));
      expect(await keysOf(target, 'l/many/')).toHaveLength(23);
      expect(await keysOf(target, 'l/nothing-here/')).toEqual([]);
      const all = await keysOf(target, '');
      expect(all).toEqual(expect.arrayContaining(keys));
      expect(new Set(all).size).toBe(all.length);
      for await (const entry of target.list('l/b')) {
        expect(entry).toMatchObject({ key: 'l/b', size: 3 });
        expect(entry.modified).toBeInstanceOf(Date);
      }
    });

    it('delete removes the object; deleting again succeeds; siblings stay', async () => {
      await target.put('d/one', bodyOf(Buffer.from('1')));
      await target.put('d/two', bodyOf(Buffer.from('2')));
      await target.delete('d/one');
      expect(await target.stat('d/one')).toBeNull();
      expect(await codeOf(target.get('d/one'))).toBe('NOT_FOUND');
      await target.delete('d/one');
      expect(await keysOf(target, 'd/')).toEqual(['d/two']);
      await target.delete('d/two');
      expect(await keysOf(target, 'd/')).toEqual([]);
      // The prefix can be written again after everything under it was deleted.
      await target.put('d/two', bodyOf(Buffer.from('again')));
      expect(await keysOf(target, 'd/')).toEqual(['d/two']);
    });

    it('a get stream that ends early fails with SHORT_READ', async () => {
      const data = randomBytes(8 * MiB);
      await target.put('s/short', bodyOf(data), { size: data.length });
      const stream = await target.get('s/short');
      const it = stream[Symbol.asyncIterator]();
      const first = await it.next();
      expect(first.done).toBe(false);
      await fx.interrupt('s/short');
      let got = (first.value as Buffer).length;
      const error = await (async () => {
        try {
          for (;;) {
            const next = await it.next();
            if (next.done) return null;
            got += (next.value as Buffer).length;
          }
        } catch (err) {
          return err;
        }
      })();
      expect(got).toBeLessThan(data.length);
      expect(error).toBeInstanceOf(RedbackError);
      expect((error as RedbackError).code).toBe('SHORT_READ');
      expect((error as RedbackError).exitCode).toBe(8);
    });

    it('a put whose body fails stores nothing and leaves the previous object', async () => {
      await target.put('f/obj', bodyOf(Buffer.from('previous')));
      expect(await codeOf(target.put('f/obj', failingBody(fx.multipartSize)))).not.toBe('no error');
      expect(await codeOf(target.put('f/new', failingBody(3 * MiB)))).not.toBe('no error');
      expect((await readAll(await target.get('f/obj'))).toString()).toBe('previous');
      expect(await target.stat('f/new')).toBeNull();
      expect(await keysOf(target, 'f/')).toEqual(['f/obj']);
    });

    it('a body shorter or longer than its declared size fails VERIFY_FAILED and stores nothing', async () => {
      expect(await codeOf(target.put('v/short', bodyOf(randomBytes(1000)), { size: 1001 }))).toBe('VERIFY_FAILED');
      expect(await codeOf(target.put('v/long', bodyOf(randomBytes(1002)), { size: 1001 }))).toBe('VERIFY_FAILED');
      expect(await keysOf(target, 'v/')).toEqual([]);
    });

    it('an aborted put is CANCELLED and stores nothing', async () => {
      const controller = new AbortController();
      let sent = 0;
      const slow = new Readable({
        read() {
          sent += 64 * 1024;
          if (sent > 2 * MiB) controller.abort();
          setTimeout(() => this.push(Buffer.alloc(64 * 1024, 1)), 1);
        },
      });
      expect(await codeOf(target.put('a/aborted', slow, { signal: controller.signal }))).toBe('CANCELLED');
      expect(await target.stat('a/aborted')).toBeNull();
      slow.destroy();
    });

    it('invalid keys are refused with USAGE before storage is touched', async () => {
      for (const key of ['', '/abs', 'a//b', '../escape', 'a/../b', 'a/./b', 'a/', 'a\\b', 'x/.tmp-partial']) {
        expect(await codeOf(target.put(key, bodyOf(Buffer.from('x')))), key).toBe('USAGE');
        expect(await codeOf(target.get(key)), key).toBe('USAGE');
        expect(await codeOf(target.stat(key)), key).toBe('USAGE');
        expect(await codeOf(target.delete(key)), key).toBe('USAGE');
      }
      expect(await codeOf(keysOf(target, '../'))).toBe('USAGE');
    });

    it('describes itself without secrets', () => {
      const text = target.describe();
      expect(text.length).toBeGreaterThan(0);
      expect(text).not.toMatch(/secret|S3RVER:/i);
    });
  });
}
