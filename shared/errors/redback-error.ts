import { ERROR_CODES, type ErrorCode } from './codes.js';

export interface RedbackErrorOptions {
  /** What the user can do about it; printed after the message as `HINT: ...`. */
  hint?: string;
  cause?: unknown;
  /** Structured facts for --json output and logs (never secrets). */
  details?: Record<string, unknown>;
}

/**
 * The base of every error redback reports on purpose. The message is one lowercase line that says
 * what went wrong; the hint says what to do. Anything that is not a RedbackError is a bug and is
 * reported as INTERNAL.
 */
export class RedbackError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: RedbackErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RedbackError';
    this.code = code;
    this.hint = options.hint;
    this.details = options.details;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  get grpcStatus(): number {
    return ERROR_CODES[this.code].grpc;
  }

  get retryable(): boolean {
    return ERROR_CODES[this.code].retryable;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export function isRedbackError(err: unknown): err is RedbackError {
  return err instanceof RedbackError;
}

/** Wraps anything thrown into a RedbackError, keeping RedbackErrors as they are. */
export function asRedbackError(err: unknown): RedbackError {
  if (err instanceof RedbackError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RedbackError('INTERNAL', message, { cause: err });
}

/** The one-line form printed on stderr: `redback: <message>` and, when known, `HINT: <hint>`. */
export function formatErrorLine(err: RedbackError): string {
  return `redback: ${err.message}${err.hint ? `\nHINT: ${err.hint}` : ''}`;
}
