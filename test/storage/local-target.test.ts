import { truncate } from 'node:fs/promises';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LocalDirTarget } from '../../shared/storage/local-dir-target.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { runStorageContract } from './contract.js';

runStorageContract('local directory', async () => {
  const dir = makeTempDir('redback-local-target-');
  const target = new LocalDirTarget(dir.path);
  return {
    target,
    multipartSize: 12 * 1024 * 1024 + 123,
    // The file shrinks under an open reader (another process truncating it).
    interrupt: (key) => truncate(target.pathOf(key), 64 * 1024),
    teardown: async () => dir.cleanup(),
  };
});

describe('LocalDirTarget specifics', () => {
  it('writes files 0600 inside the root, no temp files left, empty directories pruned on delete', async () => {
    const dir = makeTempDir('redback-local-target-');
    try {
      const target = new LocalDirTarget(dir.path);
      await target.put('p/q/r.bin', Readable.from([Buffer.from('data')]));
      const file = join(dir.path, 'p', 'q', 'r.bin');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(join(dir.path, 'p', 'q'))).toEqual(['r.bin']);
      await target.delete('p/q/r.bin');
      expect(existsSync(join(dir.path, 'p'))).toBe(false);
      expect(existsSync(dir.path)).toBe(true);
    } finally {
      dir.cleanup();
    }
  });

  it('abortIncompleteUploads removes temp files older than the cutoff only', async () => {
    const dir = makeTempDir('redback-local-target-');
    try {
      const target = new LocalDirTarget(dir.path);
      await target.put('s/obj', Readable.from([Buffer.from('kept')]));
      mkdirSync(join(dir.path, 's'), { recursive: true });
      const old = join(dir.path, 's', '.tmp-obj-deadbeef');
      const fresh = join(dir.path, 's', '.tmp-obj-cafebabe');
      writeFileSync(old, 'partial');
      writeFileSync(fresh, 'partial');
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      utimesSync(old, twoDaysAgo, twoDaysAgo);
      const keys: string[] = [];
      for await (const e of target.list('')) keys.push(e.key);
      expect(keys).toEqual(['s/obj']); // temp files are never listed
      expect(await target.abortIncompleteUploads(new Date(Date.now() - 86_400_000))).toBe(1);
      expect(existsSync(old)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
      expect(existsSync(join(dir.path, 's', 'obj'))).toBe(true);
    } finally {
      dir.cleanup();
    }
  });

  it('lists in byte order of key without collecting the listing', async () => {
    const dir = makeTempDir('redback-local-target-');
    try {
      const target = new LocalDirTarget(dir.path);
      const keys = ['o/a/x', 'o/a-b/x', 'o/a.b', 'o/a/y/z', 'o/ab', 'o/B', 'o/a0'];
      for (const key of keys) await target.put(key, Readable.from([Buffer.from(key)]));
      const listed: string[] = [];
      for await (const e of target.list('o/')) listed.push(e.key);
      expect(listed).toEqual([...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
      expect(listed.slice(0, 4)).toEqual(['o/B', 'o/a-b/x', 'o/a.b', 'o/a/x']);
    } finally {
      dir.cleanup();
    }
  });

  it('a relative root is a config error', () => {
    expect(() => new LocalDirTarget('relative/dir')).toThrow(/absolute/);
  });
});
