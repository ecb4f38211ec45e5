import { controlFailed, refuseOverrides, shellQuote, type RedisController, type ResolvedSpec } from './controller.js';
import { describeOutcome, firstLine, runFile } from './exec-file.js';
import { pollUntil, portAcceptsConnections } from './liveness.js';

type ExecControl = { type: 'exec'; start: string; stop: string; status?: string | undefined };

/**
 * `exec` control: operator-supplied shell commands, each run as `sh -c '<command>'` with stdin
 * closed and stdout/stderr captured (the first stderr line goes into the error message).
 *
 * The commands see REDBACK_INSTANCE, REDBACK_REDIS_HOST, REDBACK_REDIS_PORT and (when known)
 * REDBACK_REDIS_CONF in their environment.
 *
 * - start: runs the start command; it must return once Redis is launched (a service manager, or
 *   `redis-server ... --daemonize yes`), and must exit 0.
 * - stop: no-op when Redis is not running; else runs the stop command, then waits until the port
 *   refuses connections and (when configured) the status command says stopped.
 * - isRunning: the status command's exit code when configured (0 = running), else whether Redis
 *   accepts connections on host:port (a PING-level check that needs no password).
 */
export class ExecController implements RedisController {
  readonly kind = 'exec' as const;
  readonly supportsOverrides = false;

  constructor(
    private readonly spec: ResolvedSpec,
    private readonly control: ExecControl,
  ) {}

  describe(action: 'start' | 'stop'): string {
    return `sh -c ${shellQuote(action === 'start' ? this.control.start : this.control.stop)}`;
  }

  async start(options: { overrides?: Record<string, string> } = {}): Promise<void> {
    refuseOverrides('exec', this.spec.instance.name, options.overrides);
    await this.run('start', this.control.start, this.spec.timeouts.startMs);
  }

  async stop(): Promise<void> {
    if (!(await this.isRunning())) return;
    await this.run('stop', this.control.stop, this.spec.timeouts.stopMs);
    const down = await pollUntil(
      async () => !(await portAcceptsConnections(this.spec.host, this.spec.port)) && !(this.control.status !== undefined && (await this.statusSaysRunning())),
      this.spec.timeouts.stopMs,
      this.spec.pollIntervalMs,
    );
    if (!down) {
      throw controlFailed(
        `stop command for ${this.spec.instance.name} succeeded but redis is still up after ${Math.round(this.spec.timeouts.stopMs / 1000)}s (${this.spec.host}:${this.spec.port}${this.control.status ? ' or the status command says running' : ''})`,
        'make the stop command stop redis (a service manager with Restart=always may be restarting it), then try again',
        { instance: this.spec.instance.name },
      );
    }
  }

  async isRunning(): Promise<boolean> {
    if (this.control.status !== undefined) return this.statusSaysRunning();
    return portAcceptsConnections(this.spec.host, this.spec.port);
  }

  private async statusSaysRunning(): Promise<boolean> {
    const result = await runFile('sh', ['-c', this.control.status!], { timeoutMs: this.spec.timeouts.commandMs, env: this.env() });
    if (result.spawnError || result.timedOut) {
      throw controlFailed(
        `status command for ${this.spec.instance.name} ${describeOutcome(result, this.spec.timeouts.commandMs)}: ${this.control.status}`,
        'fix control.status in the agent config; it must exit 0 when redis runs and non-zero when it does not',
        { instance: this.spec.instance.name },
      );
    }
    return result.code === 0;
  }

  private async run(action: 'start' | 'stop', command: string, timeoutMs: number): Promise<void> {
    this.spec.logger.info({ instance: this.spec.instance.name, command }, `exec ${action}`);
    const result = await runFile('sh', ['-c', command], { timeoutMs, env: this.env() });
    if (result.code === 0) return;
    const line = firstLine(result);
    throw controlFailed(
      `${action} command for ${this.spec.instance.name} (sh -c ${shellQuote(command)}) ${describeOutcome(result, timeoutMs)}${line ? `: ${line}` : ''}`,
      result.timedOut
        ? `the ${action} command must return once redis is ${action === 'start' ? 'launched (daemonize it or use a service manager)' : 'stopping'}`
        : `run the ${action} command by hand to see why it fails; it is control.${action} of instance ${this.spec.instance.name}`,
      { instance: this.spec.instance.name, exitCode: result.code },
    );
  }

  private env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      REDBACK_INSTANCE: this.spec.instance.name,
      REDBACK_REDIS_HOST: this.spec.host,
      REDBACK_REDIS_PORT: String(this.spec.port),
      ...(this.spec.configFile ? { REDBACK_REDIS_CONF: this.spec.configFile } : {}),
    };
  }
}
