import { asRedbackError, formatErrorLine, RedbackError } from '../errors/index.js';

export interface OutputFlags {
  json?: boolean;
}

/**
 * Wraps a command's action: runs it, and maps any error to one line on stderr (`redback: ...` and
 * `HINT: ...`), or a JSON error object with --json, and the error's documented exit code.
 * Errors that are not RedbackErrors are bugs: they also print their stack with REDBACK_DEBUG=1.
 */
export function action<A extends unknown[]>(fn: (...args: A) => Promise<number | void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const flags = findFlags(args);
    try {
      const code = await fn(...args);
      if (typeof code === 'number') process.exitCode = code;
    } catch (err) {
      const error = asRedbackError(err);
      if (flags.json) {
        process.stderr.write(JSON.stringify({ error: error.toJSON() }) + '\n');
      } else {
        process.stderr.write(formatErrorLine(error) + '\n');
      }
      if (!(err instanceof RedbackError) && process.env.REDBACK_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
      process.exitCode = error.exitCode;
    }
  };
}

function findFlags(args: unknown[]): OutputFlags {
  for (const arg of args) {
    if (arg && typeof arg === 'object' && !Array.isArray(arg) && 'json' in (arg as object)) return arg as OutputFlags;
  }
  return {};
}

/** Help text block listing examples, appended to a command's --help. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
