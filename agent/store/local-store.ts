import { link, lstat, open, readdir, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { TEMP_PREFIX, ensureDir, fsyncDir, writeFileAtomic } from '../../shared/fs/durable.js';
import { moveAside } from '../../shared/fs/move-aside.js';
import type { StorageFeatures } from '../../shared/storage/storage-target.js';
import { TIERS, manifestPlacementProblem, parseManifest, type CopyManifest, type Tier } from '../../shared/manifest/copy-manifest.js';
import { BackupLayout, DELETING_PREFIX, MANIFEST_SUFFIX, RDB_SUFFIX } from './layout.js';

/** A copy found in the backup directory: its manifest and where its files are. */
export interface LocalCopy {
  manifest: CopyManifest;
  rdbFile: string;
  manifestFile: string;
  /** `ok` when the RDB file exists with the manifest's size; checked by listing, not by reading. */
  state: 'ok' | 'missing-file' | 'size-mismatch';
}

/** A manifest that could not be read or whose own checksum fails. */
export interface BrokenEntry {
  instance: string;
  tier: Tier;
  manifestFile: string;
  reason: string;
}

export interface Inventory {
  copies: LocalCopy[];
  broken: BrokenEntry[];
}

/**
 * A copy being written (`LocalStore.stageCopy`). The copy pipeline fills `tempFile` (a `.tmp-`
 * name: never listed, removed on start); then exactly one of `commit`, `discard` or `quarantine`.
 */
export interface StagedCopy {
  readonly instance: string;
  readonly tier: Tier;
  readonly id: string;
  /** Where the pipeline writes the bytes (created exclusively by the writer). */
  readonly tempFile: string;
  /** Where the RDB will be once committed (the manifest records it). */
  readonly finalFile: string;
  /**
   * The commit: rename the temp file into place, fsync the directory, then write the manifest
   * atomically (a copy without its manifest is never listed, so the manifest is the commit point).
   */
  commit(manifest: CopyManifest): Promise<void>;
  /** Removes the temp file (our own partial bytes are not a backup). Never throws. */
  discard(): Promise<void>;
  /** Moves the temp file into the instance's quarantine with `reason`; returns the folder. */
  quarantine(reason: string, now?: Date): Promise<string>;
}

/**
 * The local backup directory, read and changed only through these functions. Listing never shows a
 * copy without its manifest, so a copy being written (temp file) or deleted (renamed) is invisible.
 */
export class LocalStore {
  readonly quarantineMaxBytes: number;
  /**
   * What the backup directory relies on from its file system (the abilities `StorageTarget`
   * declares for a local directory target): copies are committed by atomic rename plus directory
   * fsync, and a daily copy is a hard link of the day's first copy when the file system allows it
   * (`linkCopy` reports a refusal; the caller then takes a separate copy).
   */
  readonly features: Pick<StorageFeatures, 'atomicRename' | 'dirSync' | 'hardLinks'> = { atomicRename: true, dirSync: true, hardLinks: true };

  constructor(
    readonly layout: BackupLayout,
    options: { quarantineMaxBytes?: number } = {},
  ) {
    this.quarantineMaxBytes = options.quarantineMaxBytes ?? DEFAULT_QUARANTINE_MAX_BYTES;
  }

  async listInstances(): Promise<string[]> {
    const entries = await readdir(this.layout.backupDir, { withFileTypes: true }).catch((err) => {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storageError(err, 'read', this.layout.backupDir);
    });
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
  }

  /** Every copy of one instance (or all), newest first within each tier. */
  async inventory(instance?: string): Promise<Inventory> {
    const instances = instance ? [instance] : await this.listInstances();
    const copies: LocalCopy[] = [];
    const broken: BrokenEntry[] = [];
    for (const name of instances) {
      for (const tier of TIERS) {
        const dir = this.layout.tierDir(name, tier);
        let files: string[];
        try {
          files = await readdir(dir);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
          throw storageError(err, 'read', dir);
        }
        for (const file of files) {
          if (!file.endsWith(MANIFEST_SUFFIX) || file.startsWith('.')) continue;
          const manifestFile = join(dir, file);
          const parsed = parseManifest(await readFile(manifestFile, 'utf8').catch(() => ''));
          if (!parsed.ok) {
            broken.push({ instance: name, tier, manifestFile, reason: parsed.reason });
            continue;
          }
          // A manifest is data read from disk: only the exact name the layout gives is trusted.
          const misplaced = manifestPlacementProblem(parsed.manifest, { instance: name, tier, manifestFile: file });
          if (misplaced) {
            broken.push({ instance: name, tier, manifestFile, reason: `${misplaced} (never acted on)` });
            continue;
          }
          const rdbFile = this.layout.rdbFile(name, tier, parsed.manifest.id);
          const size = await stat(rdbFile).then((s) => s.size).catch(() => null);
          const state = size === null ? 'missing-file' : size !== parsed.manifest.bytes ? 'size-mismatch' : 'ok';
          copies.push({ manifest: parsed.manifest, rdbFile, manifestFile, state });
        }
      }
    }
    copies.sort(
      (a, b) =>
        a.manifest.instance.localeCompare(b.manifest.instance) ||
        TIERS.indexOf(a.manifest.tier) - TIERS.indexOf(b.manifest.tier) ||
        b.manifest.createdAt.localeCompare(a.manifest.createdAt),
    );
    return { copies, broken };
  }

  /** Makes the instance's tier directory and names a new copy's temp and final files. */
  async stageCopy(instance: string, tier: Tier, id: string): Promise<StagedCopy> {
    await ensureDir(this.layout.instanceDir(instance));
    await ensureDir(this.layout.tierDir(instance, tier));
    const tempFile = this.layout.tempRdbFile(instance, tier, id);
    const finalFile = this.layout.rdbFile(instance, tier, id);
    return {
      instance,
      tier,
      id,
      tempFile,
      finalFile,
      commit: async (manifest) => {
        this.checkManifestFor(manifest, instance, tier, id);
        try {
          await rename(tempFile, finalFile);
          await fsyncDir(this.layout.tierDir(instance, tier));
        } catch (err) {
          throw storageError(err, 'rename copy into', finalFile);
        }
        await this.writeManifest(manifest);
      },
      discard: async () => {
        await unlink(tempFile).catch(() => undefined);
      },
      quarantine: (reason, now = new Date()) => this.quarantine(instance, id, [tempFile], reason, now),
    };
  }

  /**
   * Hard-links `copy`'s RDB as copy `id` of `tier` and writes the manifest `manifestFor` builds
   * from the new file's path. Returns null (nothing written) when the file system refuses hard
   * links (another device, no link support); other errors throw.
   */
  async linkCopy(copy: LocalCopy, tier: Tier, id: string, manifestFor: (rdbFile: string) => CopyManifest): Promise<CopyManifest | null> {
    const instance = copy.manifest.instance;
    const dir = this.layout.tierDir(instance, tier);
    await ensureDir(dir);
    const target = this.layout.rdbFile(instance, tier, id);
    try {
      await link(copy.rdbFile, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EXDEV' || code === 'EPERM' || code === 'EMLINK' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return null;
      throw storageError(err, 'link copy', target);
    }
    try {
      await fsyncDir(dir);
    } catch (err) {
      throw storageError(err, 'sync', dir);
    }
    const manifest = manifestFor(target);
    this.checkManifestFor(manifest, instance, tier, id);
    await this.writeManifest(manifest);
    return manifest;
  }

  /** Writes a copy's manifest where the layout puts it (atomically: temp, fsync, rename, fsync). */
  private async writeManifest(manifest: CopyManifest): Promise<void> {
    await writeFileAtomic(this.layout.manifestFile(manifest.instance, manifest.tier, manifest.id), JSON.stringify(manifest, null, 2) + '\n');
  }

  private checkManifestFor(manifest: CopyManifest, instance: string, tier: Tier, id: string): void {
    if (manifest.instance !== instance || manifest.tier !== tier || manifest.id !== id) {
      throw new RedbackError('INTERNAL', `manifest of ${manifest.instance}/${manifest.tier}/${manifest.id} does not belong to staged copy ${instance}/${tier}/${id}`);
    }
  }

  async findCopy(instance: string, id: string): Promise<LocalCopy> {
    const { copies } = await this.inventory(instance);
    const found = copies.find((c) => c.manifest.id === id);
    if (!found) {
      throw new RedbackError('NOT_FOUND', `no local copy ${id} of instance ${instance}`, {
        hint: `list copies with: redback agent list --instance ${instance}`,
      });
    }
    return found;
  }

  /** Moves a copy (RDB and manifest) into the instance's quarantine folder; returns the folder. */
  async quarantine(instance: string, id: string, files: string[], reason: string, now = new Date()): Promise<string> {
    const folder = await moveAside(this.layout.quarantineDir(instance), id, files, { reason, copy: id }, now);
    await this.trimQuarantine(folder);
    return folder;
  }

  /**
   * Quarantines a file that is not an RDB at all: only its first SAMPLE_BYTES are kept (as
   * `<name>.sample`) with a note, never a full copy (a 3 GB garbage dump.rdb must not be kept
   * once per attempt). `partial` (our own temp copy of it, if any) is removed.
   */
  async quarantineSample(instance: string, id: string, source: string, partial: string | null, reason: string, now = new Date()): Promise<string> {
    const folder = await moveAside(this.layout.quarantineDir(instance), id, [], { reason, copy: id, source, sampleBytes: SAMPLE_BYTES, note: `not an RDB: only the first ${SAMPLE_BYTES} bytes of ${source} are kept` }, now);
    try {
      const handle = await open(source, 'r');
      try {
        const buf = Buffer.alloc(SAMPLE_BYTES);
        const { bytesRead } = await handle.read(buf, 0, SAMPLE_BYTES, 0);
        await writeFile(join(folder, `${basename(source)}.sample`), buf.subarray(0, bytesRead), { mode: 0o600 });
      } finally {
        await handle.close();
      }
    } catch {
      // the source vanished: the note is enough
    }
    if (partial) await unlink(partial).catch(() => undefined);
    await this.trimQuarantine(folder);
    return folder;
  }

  /** Bytes and entries in every instance's quarantine (`agent list` shows it). */
  async quarantineUsage(instances?: string[]): Promise<{ bytes: number; entries: number; maxBytes: number; perInstance: Record<string, { bytes: number; entries: number }> }> {
    const entries = await this.quarantineEntries(instances);
    const perInstance: Record<string, { bytes: number; entries: number }> = {};
    for (const e of entries) {
      const u = (perInstance[e.instance] ??= { bytes: 0, entries: 0 });
      u.bytes += e.bytes;
      u.entries++;
    }
    return { bytes: entries.reduce((n, e) => n + e.bytes, 0), entries: entries.length, maxBytes: this.quarantineMaxBytes, perInstance };
  }

  private async quarantineEntries(instances?: string[]): Promise<Array<{ instance: string; path: string; name: string; bytes: number }>> {
    const out: Array<{ instance: string; path: string; name: string; bytes: number }> = [];
    for (const instance of instances ?? (await this.listInstances())) {
      const root = this.layout.quarantineDir(instance);
      const names = await readdir(root).catch(() => [] as string[]);
      for (const name of names) out.push({ instance, path: join(root, name), name, bytes: await sizeOf(join(root, name)) });
    }
    return out;
  }

  /**
   * Keeps the backup directory's quarantine under `quarantine.maxBytes` by removing the oldest
   * entries (their names start with a timestamp). It holds only redback's own rejected copies,
   * never live data (runbooks move live files aside inside the Redis dir, which this never
   * touches). `keep` (the entry just made) is never removed. Returns the removed folders.
   */
  async trimQuarantine(keep?: string): Promise<string[]> {
    const entries = (await this.quarantineEntries()).sort((a, b) => a.name.localeCompare(b.name));
    let total = entries.reduce((n, e) => n + e.bytes, 0);
    const removed: string[] = [];
    for (const e of entries) {
      if (total <= this.quarantineMaxBytes) break;
      if (e.path === keep) continue;
      await rm(e.path, { recursive: true, force: true }).catch(() => undefined);
      total -= e.bytes;
      removed.push(e.path);
    }
    return removed;
  }

  /**
   * Deletes one copy: rename the RDB to `.del-*` (it leaves listings at once), remove the
   * manifest, then the file. A run killed midway leaves only a `.del-*` file, removed on start.
   * Deleting a hard-linked daily copy leaves the bytes of its twin untouched.
   */
  async deleteCopy(copy: LocalCopy): Promise<void> {
    const dir = this.layout.tierDir(copy.manifest.instance, copy.manifest.tier);
    const doomed = this.layout.deletingRdbFile(copy.manifest.instance, copy.manifest.tier, copy.manifest.id);
    try {
      await rename(copy.rdbFile, doomed).catch((err) => {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      });
      await unlink(copy.manifestFile);
      await unlink(doomed).catch(() => undefined);
      await fsyncDir(dir);
    } catch (err) {
      throw storageError(err, 'delete copy', copy.rdbFile);
    }
  }

  /**
   * Cleans what a killed run left behind in an instance's tier directories: temp files of an
   * unfinished copy and `.del-*` files of an unfinished delete are removed (neither is a backup);
   * an RDB without a manifest (killed between rename and manifest) is moved to quarantine.
   * Returns what it did.
   */
  async cleanupInterrupted(instance: string): Promise<{ removed: string[]; quarantined: string[]; trimmed: string[] }> {
    const removed: string[] = [];
    const quarantined: string[] = [];
    for (const tier of TIERS) {
      const dir = this.layout.tierDir(instance, tier);
      const files = await readdir(dir).catch(() => [] as string[]);
      const names = new Set(files);
      for (const file of files) {
        const path = join(dir, file);
        if (file.startsWith(TEMP_PREFIX) || file.startsWith(DELETING_PREFIX)) {
          await unlink(path).catch(() => undefined);
          removed.push(path);
        } else if (file.endsWith(RDB_SUFFIX) && !names.has(file.slice(0, -RDB_SUFFIX.length) + MANIFEST_SUFFIX)) {
          await moveAside(this.layout.quarantineDir(instance), `orphan-${file.slice(0, -RDB_SUFFIX.length)}`, [path], {
            reason: 'rdb file without a manifest (a run was interrupted before the copy was complete)',
          });
          quarantined.push(path);
        }
      }
    }
    const trimmed = await this.trimQuarantine();
    return { removed, quarantined, trimmed };
  }
}

export const DEFAULT_QUARANTINE_MAX_BYTES = 5 * 1024 ** 3;
/** How much of a file that is not an RDB quarantine keeps. */
export const SAMPLE_BYTES = 64 * 1024;

/** Bytes under a path (file or directory tree; symlinks not followed). */
async function sizeOf(path: string): Promise<number> {
  const st = await lstat(path).catch(() => null);
  if (!st) return 0;
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const name of await readdir(path).catch(() => [] as string[])) total += await sizeOf(join(path, name));
  return total;
}
