import type { InstanceConfig } from '../../shared/config/agent-config.js';
import type { AgentContext } from '../agent-context.js';
import { createController, type ControllerTimeouts, type RedisController } from '../control/index.js';

/** Where 'process' control keeps the pid file and output log of an instance. */
export function controlStateDir(ctx: Pick<AgentContext, 'layout'>, instance: string): string {
  return ctx.layout.controlDir(instance);
}

/** The controller of an instance (CONFIG_INVALID when it has no `control:` block). */
export function controllerFor(
  ctx: AgentContext,
  instance: InstanceConfig,
  facts: { configFile: string | null; host: string; port: number },
  timeouts?: ControllerTimeouts,
): RedisController {
  return createController({
    instance,
    configFile: facts.configFile,
    host: facts.host,
    port: facts.port,
    stateDir: controlStateDir(ctx, instance.name),
    logger: ctx.logger,
    pollIntervalMs: 25,
    ...(timeouts ? { timeouts } : {}),
  });
}
