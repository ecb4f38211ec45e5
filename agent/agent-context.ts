import { resolve } from 'node:path';
import { RedbackError } from '../shared/errors/index.js';
import type { AgentConfig, InstanceConfig } from '../shared/config/agent-config.js';
import type { Logger } from '../shared/log/logger.js';
import { systemClock, type Clock } from '../shared/time/clock.js';
import { BackupLayout } from './store/layout.js';
import { LocalStore } from './store/local-store.js';
import type { FleetInstanceSchedule } from './session/schedule-cache.js';

/** What every agent operation needs; built once per process from the config. */
export interface AgentContext {
  config: AgentConfig;
  layout: BackupLayout;
  store: LocalStore;
  logger: Logger;
  clock: Clock;
  /** Schedules and retention the coordinator sent, per instance; empty when running alone. */
  fleet: Map<string, FleetInstanceSchedule>;
  /** Absolute path of the config file this process loaded, so hints name the right `--config`. */
  configFile?: string;
}

export function createAgentContext(config: AgentConfig, logger: Logger, clock: Clock = systemClock, configFile?: string): AgentContext {
  const layout = new BackupLayout(config.backupDir);
  // `quarantine` may be absent in configs built in code (benchmarks); the schema always sets it.
  const quarantine = (config.quarantine as AgentConfig['quarantine'] | undefined)?.maxBytes;
  const store = new LocalStore(layout, quarantine === undefined ? {} : { quarantineMaxBytes: quarantine });
  return {
    config,
    layout,
    store,
    logger,
    clock,
    fleet: new Map(),
    ...(configFile !== undefined ? { configFile: resolve(configFile) } : {}),
  };
}

/**
 * A `redback agent <sub> ...` command line for a hint or a log line, with `--config` of the file
 * this process loaded: whoever reads a daemon's log must be able to paste it as it is.
 */
export function agentCommand(ctx: Pick<AgentContext, 'configFile'>, sub: string, args: string): string {
  const config = ctx.configFile === undefined ? '' : ` --config ${/^[\w./-]+$/.test(ctx.configFile) ? ctx.configFile : `'${ctx.configFile.replace(/'/g, `'\\''`)}'`}`;
  return `redback agent ${sub}${config}${args ? ` ${args}` : ''}`;
}

export function findInstance(config: AgentConfig, name: string): InstanceConfig {
  const found = config.instances.find((i) => i.name === name);
  if (!found) {
    throw new RedbackError('NOT_FOUND', `unknown instance "${name}"`, {
      hint: `instances in this config: ${config.instances.map((i) => i.name).join(', ')}`,
    });
  }
  return found;
}

/** The instances an optional --instance flag selects (all when absent). */
export function selectInstances(config: AgentConfig, name?: string): InstanceConfig[] {
  return name ? [findInstance(config, name)] : config.instances;
}
