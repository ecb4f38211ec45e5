import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';

/**
 * A small tmpfs mounted at `path` (tests run as root in CI): a real file system that fills up
 * (ENOSPC) or can be remounted read-only (EROFS), for the backup-directory error drills.
 */
export class TmpfsMount {
  private constructor(readonly path: string) {}

  static mount(path: string, sizeBytes: number): TmpfsMount {
    mkdirSync(path, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes}`, 'tmpfs', path]);
    return new TmpfsMount(path);
  }

  readOnly(): void {
    execFileSync('mount', ['-o', 'remount,ro', this.path]);
  }

  unmount(): void {
    try {
      execFileSync('umount', [this.path]);
    } catch {
      execFileSync('umount', ['-l', this.path]);
    }
  }
}
