import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { silentLogger, type Logger } from '../../shared/log/logger.js';

/**
 * How redback stops and starts one Redis instance. Three kinds, chosen per instance in the agent
 * config (`control:`):
 *
 * - `systemd`: `systemctl start|stop|is-active <unit>`. Units usually have `Restart=always`, so
 *   Redis must be stopped through the unit, never by signalling the process.
 * - `exec`: operator-supplied shell commands (`sh -c`), with an optional status command.
 * - `process`: redback starts `redis-server <configFile>` itself, detached, and stops it with
 *   SIGTERM (tests, the demo, hosts without a service manager).
 *
 * Every failure is a CONTROL_FAILED RedbackError with a one-line message and a hint.
 */
export interface RedisController {
  readonly kind: 'systemd' | 'exec' | 'process';
  /**
   * Starts Redis and returns once the process is launched (the caller waits for loading).
   * `overrides` are extra `--key value` arguments, only supported by 'process'
   * (supportsOverrides); the others refuse non-empty overrides with CONTROL_FAILED, since
   * silently ignoring e.g. `appendonly no` during a restore would spring the AOF trap.
   */
  start(options?: { overrides?: Record<string, string> }): Promise<void>;
  /**
   * Stops Redis and returns only when it is really gone (port closed and process exited);
   * no-op if already down. For systemd this goes through the unit (units have Restart=always).
   */
  stop(): Promise<void>;
  isRunning(): Promise<boolean>;
  readonly supportsOverrides: boolean;
  /** Human text of what start/stop do, for dry-run plans, e.g. 'systemctl stop redis-server.service'. */
  describe(action: 'start' | 'stop'): string;
}

export interface ControllerTimeouts {
  /** How long stop() waits for the process to exit and the port to close. Default 120 s. */
  stopMs?: number;
  /** How long start() waits for the port to open ('process') or the start command ('exec', 'systemd'). Default 60 s. */
  startMs?: number;
  /** Timeout of status/is-active commands. Default 15 s. */
  commandMs?: number;
}

export interface ControllerSpec {
  instance: InstanceConfig;
  /** redis.conf of the instance (configured or discovered from INFO server config_file). */
  configFile: string | null;
  /** Where Redis listens; used for port checks (and, for 'process', to ask INFO for the pid). */
  host: string;
  port: number;
  /** Agent state directory for this instance: pid file and output log of 'process'. */
  stateDir: string;
  logger?: Logger;
  timeouts?: ControllerTimeouts;
  /** Poll interval of the waits. Default 100 ms. */
  pollIntervalMs?: number;
}

export interface ResolvedSpec extends Omit<ControllerSpec, 'logger' | 'timeouts' | 'pollIntervalMs'> {
  logger: Logger;
  timeouts: Required<ControllerTimeouts>;
  pollIntervalMs: number;
}

export function resolveSpec(spec: ControllerSpec): ResolvedSpec {
  return {
    ...spec,
    logger: spec.logger ?? silentLogger,
    timeouts: {
      stopMs: spec.timeouts?.stopMs ?? 120_000,
      startMs: spec.timeouts?.startMs ?? 60_000,
      commandMs: spec.timeouts?.commandMs ?? 15_000,
    },
    pollIntervalMs: spec.pollIntervalMs ?? 100,
  };
}

export function controlFailed(message: string, hint: string, details?: Record<string, unknown>, cause?: unknown): RedbackError {
  return new RedbackError('CONTROL_FAILED', message, { hint, ...(details ? { details } : {}), ...(cause ? { cause } : {}) });
}

/** Refuses overrides for controllers that cannot pass them to redis-server. */
export function refuseOverrides(kind: string, instance: string, overrides: Record<string, string> | undefined): void {
  if (!overrides || Object.keys(overrides).length === 0) return;
  const list = Object.entries(overrides)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  throw controlFailed(
    `cannot start ${instance} with overrides (${list}): '${kind}' control starts redis with its own redis.conf`,
    'edit redis.conf before starting (setDirectives), or use control type "process"',
    { instance, overrides },
  );
}

/** Quotes a string for a shell command shown to a human (describe()). */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
