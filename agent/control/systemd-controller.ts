import { controlFailed, refuseOverrides, shellQuote, type RedisController, type ResolvedSpec } from './controller.js';
import { describeOutcome, firstLine, runFile, type RunResult } from './exec-file.js';
import { pollUntil, portAcceptsConnections } from './liveness.js';

type SystemdControl = { type: 'systemd'; unit: string; systemctl: string };

/** `systemctl is-active` states in which no Redis process of the unit runs or is about to. */
const STOPPED_STATES = new Set(['inactive', 'failed', 'dead']);

/**
 * `systemd` control: everything goes through the unit, because units normally have
 * `Restart=always` and a Redis killed behind systemd's back comes straight back.
 *
 * - start: `systemctl start <unit>`.
 * - stop: `systemctl stop <unit>`, then wait until `systemctl is-active <unit>` says inactive
 *   (or failed) AND the port refuses connections. systemctl stop normally blocks until the unit
 *   stopped, but a unit in auto-restart or a slow ExecStop may not; we check for ourselves.
 * - isRunning: anything but inactive/failed (activating, deactivating, reloading count as
 *   running, on purpose: a unit about to restart must not be treated as stopped), or an open port.
 */
export class SystemdController implements RedisController {
  readonly kind = 'systemd' as const;
  readonly supportsOverrides = false;

  constructor(
    private readonly spec: ResolvedSpec,
    private readonly control: SystemdControl,
  ) {}

  describe(action: 'start' | 'stop'): string {
    return `${shellQuote(this.control.systemctl)} ${action} ${shellQuote(this.control.unit)}`;
  }

  async start(options: { overrides?: Record<string, string> } = {}): Promise<void> {
    refuseOverrides('systemd', this.spec.instance.name, options.overrides);
    await this.systemctl('start', this.spec.timeouts.startMs);
  }

  async stop(): Promise<void> {
    // Always ask the unit, even when the port is closed: with Restart=always a crashed Redis may
    // be between restarts, and only systemctl stop keeps it down.
    await this.systemctl('stop', this.spec.timeouts.stopMs);
    let state = '';
    const stopped = await pollUntil(
      async () => {
        state = await this.activeState();
        return STOPPED_STATES.has(state) && !(await portAcceptsConnections(this.spec.host, this.spec.port));
      },
      this.spec.timeouts.stopMs,
      this.spec.pollIntervalMs,
    );
    if (!stopped) {
      const portOpen = await portAcceptsConnections(this.spec.host, this.spec.port);
      throw controlFailed(
        `${this.describe('stop')} returned but ${this.spec.instance.name} is not down after ${Math.round(this.spec.timeouts.stopMs / 1000)}s (unit ${state || 'state unknown'}${portOpen ? `, ${this.spec.host}:${this.spec.port} still accepts connections` : ''})`,
        `check "systemctl status ${this.control.unit}": the unit may be restarting, or another process listens on the port`,
        { instance: this.spec.instance.name, unit: this.control.unit, state },
      );
    }
  }

  async isRunning(): Promise<boolean> {
    const state = await this.activeState();
    if (!STOPPED_STATES.has(state)) return true;
    return portAcceptsConnections(this.spec.host, this.spec.port);
  }

  /** `systemctl is-active <unit>` prints the state and exits 0 only for active; we read the text. */
  private async activeState(): Promise<string> {
    const result = await runFile(this.control.systemctl, ['is-active', this.control.unit], { timeoutMs: this.spec.timeouts.commandMs });
    if (result.spawnError || result.timedOut) throw this.failure('is-active', result, this.spec.timeouts.commandMs);
    return result.stdout.split(/\r?\n/)[0]!.trim();
  }

  private async systemctl(action: 'start' | 'stop', timeoutMs: number): Promise<void> {
    this.spec.logger.info({ instance: this.spec.instance.name, unit: this.control.unit }, `systemctl ${action}`);
    const result = await runFile(this.control.systemctl, [action, this.control.unit], { timeoutMs });
    if (result.code !== 0) throw this.failure(action, result, timeoutMs);
  }

  private failure(action: string, result: RunResult, timeoutMs: number): Error {
    const line = firstLine(result);
    const hint = result.spawnError
      ? `${this.control.systemctl} is not available: set control.systemctl to its path, or use control type "exec" or "process" on hosts without systemd`
      : `check "systemctl status ${this.control.unit}" and "journalctl -u ${this.control.unit}"; is the unit name right and may the agent user manage it?`;
    return controlFailed(
      `${this.control.systemctl} ${action} ${this.control.unit} ${describeOutcome(result, timeoutMs)}${line ? `: ${line}` : ''}`,
      hint,
      { instance: this.spec.instance.name, unit: this.control.unit, exitCode: result.code },
    );
  }
}
