import { spawn } from 'node:child_process';

export interface RunResult {
  /** Exit code, or null when the process was killed by a signal, timed out or never started. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  /** Set when the process could not be started at all (ENOENT, EACCES). */
  spawnError: NodeJS.ErrnoException | null;
}

export interface RunOptions {
  /** Written to stdin, then stdin is closed. Default: stdin is closed at once. */
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep at most this many bytes of stdout/stderr each (the end is kept). Default 1 MiB. */
  maxOutputBytes?: number;
}

/**
 * Runs a program without a shell and collects its output. Never throws for a failing program:
 * the caller turns the result into a RedbackError with its own words.
 *
 * Completion is the process's `exit`, not the close of its pipes: a start command that leaves a
 * background process holding stdout open (`nohup redis-server ... &`) must not hang us. After
 * `exit` we give the pipes a moment to drain, then let go of them.
 *
 * On timeout the process gets SIGTERM (only that pid, never its group) and the result says
 * `timedOut`.
 */
export function runFile(file: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const max = options.maxOutputBytes ?? 1024 * 1024;
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    const keep = (acc: string, chunk: Buffer): string => {
      const next = acc + chunk.toString('utf8');
      return next.length > max ? next.slice(next.length - max) : next;
    };
    child.stdout.on('data', (d: Buffer) => (stdout = keep(stdout, d)));
    child.stderr.on('data', (d: Buffer) => (stderr = keep(stderr, d)));
    child.stdin.on('error', () => undefined); // EPIPE when the program does not read stdin
    const timer =
      options.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill('SIGTERM');
          }, options.timeoutMs)
        : null;
    const finish = (result: Omit<RunResult, 'stdout' | 'stderr' | 'timedOut'>): void => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      child.stdout.destroy();
      child.stderr.destroy();
      child.unref();
      resolve({ ...result, stdout, stderr, timedOut });
    };
    child.once('error', (err: NodeJS.ErrnoException) => finish({ code: null, signal: null, spawnError: err }));
    child.once('exit', (code, signal) => {
      const drained = setTimeout(() => finish({ code, signal, spawnError: null }), 200);
      child.once('close', () => {
        clearTimeout(drained);
        finish({ code, signal, spawnError: null });
      });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** First non-empty line of a program's stderr (or stdout when stderr is empty), for one-line errors. */
export function firstLine(result: Pick<RunResult, 'stdout' | 'stderr'>): string {
  for (const text of [result.stderr, result.stdout]) {
    const line = text
      .split(/\r?\n/)
      .map((l) => l.trim())
      .find((l) => l.length > 0);
    if (line) return line;
  }
  return '';
}

/** `exited 5`, `was killed by SIGKILL`, `timed out after 30s`, `could not be started (ENOENT)`. */
export function describeOutcome(result: RunResult, timeoutMs?: number): string {
  if (result.spawnError) return `could not be started (${result.spawnError.code ?? result.spawnError.message})`;
  if (result.timedOut) return `timed out${timeoutMs ? ` after ${Math.round(timeoutMs / 1000)}s` : ''}`;
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited ${result.code}`;
}
