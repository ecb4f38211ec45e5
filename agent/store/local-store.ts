import { readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { TEMP_PREFIX, fsyncDir } from '../../shared/fs/durable.js';
import { moveAside } from '../../shared/fs/move-aside.js';
import { TIERS, copyFileName, manifestPlacementProblem, parseManifest, type CopyManifest, type Tier } from '../../shared/manifest/copy-manifest.js';
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
 * The local backup directory, read and changed only through these functions. Listing never shows a
 * copy without its manifest, so a copy being written (temp file) or deleted (renamed) is invisible.
 */
export class LocalStore {
  constructor(readonly layout: BackupLayout) {}

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
    return moveAside(this.layout.quarantineDir(instance), id, files, { reason, copy: id }, now);
  }

  /**
   * Deletes one copy: rename the RDB to `.del-*` (it leaves listings at once), remove the
   * manifest, then the file. A run killed midway leaves only a `.del-*` file, removed on start.
   * Deleting a hard-linked daily copy leaves the bytes of its twin untouched.
   */
  async deleteCopy(copy: LocalCopy): Promise<void> {
    const dir = this.layout.tierDir(copy.manifest.instance, copy.manifest.tier);
    const doomed = join(dir, `${DELETING_PREFIX}${copyFileName(copy.manifest.id)}`);
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
  async cleanupInterrupted(instance: string): Promise<{ removed: string[]; quarantined: string[] }> {
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
    return { removed, quarantined };
  }
}
