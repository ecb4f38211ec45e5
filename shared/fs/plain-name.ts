import { RedbackError } from '../errors/index.js';

/**
 * A plain file name: not empty, no `/` or NUL, not `.` or `..`. Every file name redback reads
 * from disk or the network (Redis's dbfilename and appenddirname, AOF manifest entries, saved
 * state) must be one before a path is built from it, so no such value can point elsewhere.
 */
export function isPlainFileName(name: string): boolean {
  return name.length > 0 && name.length <= 255 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

/** The name, or CONFIG_INVALID naming where it came from. */
export function requirePlainFileName(name: string, what: string, from: string): string {
  if (isPlainFileName(name)) return name;
  throw new RedbackError('CONFIG_INVALID', `${what} ${JSON.stringify(name)} (from ${from}) is not a plain file name`, {
    hint: `${what} must be a name inside the data directory, without "/", "." or ".."; fix it where it is set`,
    details: { what, value: name, from },
  });
}
