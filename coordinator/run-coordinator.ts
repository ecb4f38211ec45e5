import { runUntilSignal } from '../shared/cli/run-until-signal.js';
import { loadCoordinatorConfig } from '../shared/config/coordinator-config.js';
import { createLogger } from '../shared/log/logger.js';
import { Coordinator } from './coordinator.js';

/** `redback coordinator run`: serve until SIGTERM / SIGINT. */
export async function runCoordinator(flags: { config: string }): Promise<number> {
  const config = loadCoordinatorConfig(flags.config);
  const logger = createLogger({ level: config.log.level, destination: 'stdout', name: 'redback-coordinator' });
  const coordinator = await Coordinator.start(config, logger);
  await runUntilSignal(logger, () => coordinator.stop());
  return 0;
}
