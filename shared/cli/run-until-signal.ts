import type { Logger } from '../log/logger.js';

/**
 * Keeps a daemon (agent, coordinator) running until SIGTERM or SIGINT, then runs its `stop()`.
 * Signal listeners do not keep Node's event loop alive; the timer here does, until shutdown.
 */
export function runUntilSignal(logger: Logger, stop: () => Promise<void>): Promise<void> {
  const keepAlive = setInterval(() => undefined, 60_000);
  return new Promise<void>((resolve) => {
    const shutdown = (signal: string) => {
      logger.info({ signal }, 'stopping');
      void stop().finally(() => {
        clearInterval(keepAlive);
        resolve();
      });
    };
    process.once('SIGTERM', () => shutdown('SIGTERM'));
    process.once('SIGINT', () => shutdown('SIGINT'));
  });
}
