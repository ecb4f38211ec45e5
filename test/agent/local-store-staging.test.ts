import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BackupLayout } from '../../agent/store/layout.js';
import { LocalStore } from '../../agent/store/local-store.js';
import { parseManifest, sealManifest, type CopyManifest } from '../../shared/manifest/copy-manifest.js';
import { makeTempDir } from '../helpers/temp-dir.js';

function manifestOf(instance: string, tier: 'hourly' | 'daily', id: string, path: string, bytes: number): CopyManifest {
  return sealManifest({
    format: 'redback.copy/v1', id, instance, tier, path, file: `${id}.rdb`, bytes, sha256: '0'.repeat(64), crc64: '0'.repeat(16),
    rdbVersion: 11, redisVersion: '7.2.0', createdAt: new Date().toISOString(), snapshotAt: null, usedMem: null, aofBase: false,
    keys: {}, expires: {}, source: 'bgsave', linkedFrom: null, pinned: false, host: 'h', redisRunId: null, producer: 'test',
  } as never);
}

describe('LocalStore: copies are written only through the store (stage, commit, link)', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('a staged copy is invisible until committed; commit renames it and writes the manifest last', async () => {
    const layout = new BackupLayout(`${tmp.path}/b1`);
    const store = new LocalStore(layout);
    const staged = await store.stageCopy('main', 'hourly', '20260101T000000Z-aaaaaa');
    expect(staged.tempFile).toBe(layout.tempRdbFile('main', 'hourly', staged.id));
    expect(staged.finalFile).toBe(layout.rdbFile('main', 'hourly', staged.id));
    writeFileSync(staged.tempFile, 'REDIS0011-bytes');
    expect((await store.inventory('main')).copies).toHaveLength(0);
    // A manifest of another copy is refused: the store commits only what it staged.
    await expect(staged.commit(manifestOf('main', 'hourly', 'other', staged.finalFile, 15))).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(existsSync(staged.tempFile)).toBe(true);
    await staged.commit(manifestOf('main', 'hourly', staged.id, staged.finalFile, 15));
    expect(existsSync(staged.tempFile)).toBe(false);
    const { copies } = await store.inventory('main');
    expect(copies.map((c) => [c.manifest.id, c.state])).toEqual([[staged.id, 'ok']]);
    expect(parseManifest(readFileSync(layout.manifestFile('main', 'hourly', staged.id), 'utf8')).ok).toBe(true);
  });

  it('discard removes the temp file; quarantine moves it aside with a reason', async () => {
    const layout = new BackupLayout(`${tmp.path}/b2`);
    const store = new LocalStore(layout);
    const a = await store.stageCopy('main', 'hourly', '20260101T000000Z-bbbbbb');
    writeFileSync(a.tempFile, 'partial');
    await a.discard();
    expect(existsSync(a.tempFile)).toBe(false);
    await a.discard(); // twice is fine
    const b = await store.stageCopy('main', 'hourly', '20260101T000000Z-cccccc');
    writeFileSync(b.tempFile, 'bad');
    const folder = await b.quarantine('test reason');
    expect(folder.startsWith(layout.quarantineDir('main'))).toBe(true);
    expect(existsSync(b.tempFile)).toBe(false);
    expect(readFileSync(`${folder}/REASON.json`, 'utf8')).toContain('test reason');
  });

  it('linkCopy hard-links a committed copy into another tier (same inode) with its own manifest', async () => {
    const layout = new BackupLayout(`${tmp.path}/b3`);
    const store = new LocalStore(layout);
    const staged = await store.stageCopy('main', 'hourly', '20260101T000000Z-dddddd');
    writeFileSync(staged.tempFile, 'REDIS0011-bytes');
    await staged.commit(manifestOf('main', 'hourly', staged.id, staged.finalFile, 15));
    const [copy] = (await store.inventory('main')).copies;
    const id = '20260101T000001Z-eeeeee';
    const linked = await store.linkCopy(copy!, 'daily', id, (path) => manifestOf('main', 'daily', id, path, 15));
    expect(linked?.path).toBe(layout.rdbFile('main', 'daily', id));
    expect(statSync(linked!.path).ino).toBe(statSync(staged.finalFile).ino);
    expect((await store.inventory('main')).copies.map((c) => c.manifest.tier).sort()).toEqual(['daily', 'hourly']);
    // Deleting the daily leaves the hourly's bytes alone.
    await store.deleteCopy((await store.inventory('main')).copies.find((c) => c.manifest.tier === 'daily')!);
    expect(readFileSync(staged.finalFile, 'utf8')).toBe('REDIS0011-bytes');
    expect(existsSync(layout.deletingRdbFile('main', 'daily', id))).toBe(false);
  });
});
