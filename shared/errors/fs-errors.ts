import { RedbackError } from './redback-error.js';

/**
 * Maps an operating-system error from a backup-directory operation to a RedbackError with a hint.
 * `what` names the operation in the message ("write copy", "create directory").
 */
export function storageError(err: unknown, what: string, path: string): RedbackError {
  if (err instanceof RedbackError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT':
      return new RedbackError('STORAGE_FULL', `cannot ${what} ${path}: no space left on device`, {
        hint: 'free space in the backup directory or lower retention; existing copies were not touched',
        cause: err,
        details: { path },
      });
    case 'EROFS':
      return new RedbackError('STORAGE_READONLY', `cannot ${what} ${path}: file system is read-only`, {
        hint: 'remount the backup file system read-write or point backupDir elsewhere',
        cause: err,
        details: { path },
      });
    case 'EACCES':
    case 'EPERM':
      return new RedbackError('STORAGE_READONLY', `cannot ${what} ${path}: permission denied`, {
        hint: 'run the agent as the user that owns the backup directory, or fix its permissions',
        cause: err,
        details: { path },
      });
    case 'ENOENT':
      return new RedbackError('NOT_FOUND', `cannot ${what} ${path}: no such file or directory`, {
        cause: err,
        details: { path },
      });
    default: {
      const message = err instanceof Error ? err.message : String(err);
      return new RedbackError('STORAGE_ERROR', `cannot ${what} ${path}: ${message}`, {
        cause: err,
        details: { path },
      });
    }
  }
}
