import { pino, type Logger, type LoggerOptions } from 'pino';

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
  return pino(options, pino.destination({ fd, sync: true }));
}

/** A logger that discards everything (library code given no logger). */
export const silentLogger: Logger = pino({ level: 'silent' });
