import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './cli.js';
import { waitFor } from './redis-server.js';

/**
 * A long-running `redback` process (coordinator or agent daemon) for tests: its JSON log lines are
 * collected, `waitForLog` waits for one, `stop()` sends SIGTERM and `kill9()` crashes it.
 */
export class CliProcess {
  private out = '';
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;

  constructor(args: string[], env: NodeJS.ProcessEnv = {}) {
    this.child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.out += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  output(): string {
    return this.out;
  }

  /** Parsed JSON log lines (non-JSON lines are skipped). */
  logs(): Array<Record<string, unknown>> {
    return this.out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  }

  async waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs = 20_000): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined;
    try {
      await waitFor(() => {
        if (this.child.exitCode !== null) throw new Error(`process exited with ${this.child.exitCode}:\n${this.out}`);
        found = this.logs().find(match);
        return found !== undefined;
      }, timeoutMs, 50);
    } catch (err) {
      throw new Error(`${(err as Error).message}\n--- output ---\n${this.out.slice(-(Number(process.env.REDBACK_TEST_LOG_TAIL) || 4000))}`);
    }
    return found!;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const code = await this.exited;
    clearTimeout(timer);
    return code;
  }

  async kill9(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    await this.exited;
  }
}
