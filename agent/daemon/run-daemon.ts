import { loadAgentConfig } from '../../shared/config/agent-config.js';
import { runUntilSignal } from '../../shared/cli/run-until-signal.js';
import { createLogger } from '../../shared/log/logger.js';
import { createAgentContext } from '../agent-context.js';
import { AgentDaemon } from './agent-daemon.js';

/** `redback agent run`: start the daemon and keep it until SIGTERM / SIGINT. */
export async function runAgentDaemon(flags: { config: string }): Promise<number> {
  const config = loadAgentConfig(flags.config);
  const logger = createLogger({ level: config.log.level, destination: 'stdout', name: 'redback-agent' });
  const daemon = new AgentDaemon(createAgentContext(config, logger, undefined, flags.config));
  await daemon.start();
  await runUntilSignal(logger, () => daemon.stop());
  return 0;
}
