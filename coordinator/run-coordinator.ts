import { loadCoordinatorConfig } from '../shared/config/coordinator-config.js';
import { createLogger } from '../shared/log/logger.js';
import { Coordinator } from './coordinator.js';

/** `redback coordinator run`: serve until SIGTERM / SIGINT. */
export async function runCoordinator(flags: { config: string }): Promise<number> {
  const config = loadCoordinatorConfig(flags.config);
  const logger = createLogger({ level: config.log.level, destination: 'stdout', name: 'redback-coordinator' });
  const coordinator = await Coordinator.start(config, logger);
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      void coordinator.stop().finally(() => {
        clearInterval(keepAlive);
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
  return 0;
}
