import { Writable } from 'node:stream';
import { pino, type Logger, type LoggerOptions } from 'pino';
import pretty from 'pino-pretty';
import { writeAboveProgress } from '../output/progress.js';
import { escapesAllowed, isTerminal, StatusLine } from '../output/terminal.js';

export type { Logger } from 'pino';

/** Field paths whose values never reach a log line. */
export const REDACT_PATHS = [
  'password',
  'token',
  'adminToken',
  'agentToken',
  'secretAccessKey',
  'authorization',
  '*.password',
  '*.token',
  '*.adminToken',
  '*.agentToken',
  '*.secretAccessKey',
  '*.authorization',
  '*.*.password',
  '*.*.token',
  // Offsite (S3) credentials: at the top, in `offsite: {...}`, in `config: { offsite: {...} }`,
  // and an SDK-style `credentials` object wherever it appears.
  'sessionToken',
  '*.sessionToken',
  '*.*.secretAccessKey',
  '*.*.sessionToken',
  'credentials',
  '*.credentials',
  '*.*.credentials',
  'url',
  '*.url',
];

/** Replaces the password (and user, when a password is present) in a URL with `***`. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^@/]*)@/, '//***@');
  }
}

export interface LoggerSettings {
  level?: string;
  /** 'stderr' for one-shot CLI commands (stdout is for output), 'stdout' for daemons. */
  destination?: 'stdout' | 'stderr';
  name?: string;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? process.env.REDBACK_LOG_LEVEL ?? 'info',
    base: { name: settings.name ?? 'redback', pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: REDACT_PATHS,
      censor: (value) => (typeof value === 'string' && value.includes('://') ? redactUrl(value) : '***'),
    },
    formatters: { level: (label) => ({ level: label }) },
  };
  const fd = settings.destination === 'stderr' ? 2 : 1;
  const stream = fd === 2 ? process.stderr : process.stdout;
  // On a terminal, a log line goes above a progress bar being drawn (which redraws below it), and
  // clears a status line first (agent recover's step progress).
  const onTerminal = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      if (!writeAboveProgress(stream, chunk.toString())) {
        StatusLine.current?.clear();
        stream.write(chunk);
      }
      callback();
    },
  });
  if (logFormat(stream) === 'pretty') {
    // Readable lines for a person at a terminal; colours only where escapes are allowed (NO_COLOR).
    const destination = isTerminal(stream) ? onTerminal : fd;
    return pino(options, pretty({ destination, sync: true, colorize: escapesAllowed(stream), translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(options, isTerminal(stream) ? onTerminal : pino.destination({ fd, sync: true }));
}

/**
 * `json` (one object per line, for log collectors) unless the stream is a terminal, where it is
 * `pretty`; REDBACK_LOG_FORMAT=json|pretty overrides.
 */
export function logFormat(stream: { isTTY?: boolean }): 'json' | 'pretty' {
  const forced = process.env.REDBACK_LOG_FORMAT;
  if (forced === 'json' || forced === 'pretty') return forced;
  return isTerminal(stream) ? 'pretty' : 'json';
}

/** A logger that discards everything (library code given no logger). */
export const silentLogger: Logger = pino({ level: 'silent' });
