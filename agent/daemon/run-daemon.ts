import { loadAgentConfig } from '../../shared/config/agent-config.js';
import { createLogger } from '../../shared/log/logger.js';
import { createAgentContext } from '../agent-context.js';
import { AgentDaemon } from './agent-daemon.js';

/** `redback agent run`: start the daemon and keep it until SIGTERM / SIGINT. */
export async function runAgentDaemon(flags: { config: string }): Promise<number> {
  const config = loadAgentConfig(flags.config);
  const logger = createLogger({ level: config.log.level, destination: 'stdout', name: 'redback-agent' });
  const daemon = new AgentDaemon(createAgentContext(config, logger));
  await daemon.start();
  // Signal listeners do not keep Node's event loop alive; this timer does, until shutdown.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      void daemon.stop().finally(() => {
        clearInterval(keepAlive);
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}
