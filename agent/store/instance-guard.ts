import type { AgentContext } from '../agent-context.js';
import { withInstanceLock, type LockOptions } from './instance-lock.js';

/**
 * Runs one operation on an instance's backups holding its lock, after cleaning up what a killed
 * run left (temp copies and `.del-*` files removed, orphan RDBs moved to quarantine, quarantine
 * kept under its cap). Snapshots, prune, verify, recovery and the daemon all enter through here.
 */
export async function withInstance<T>(ctx: AgentContext, instance: string, operation: string, fn: () => Promise<T>, options: Omit<LockOptions, 'onAcquire'> = {}): Promise<T> {
  return withInstanceLock(ctx.layout.lockFile(instance), operation, fn, {
    ...options,
    onAcquire: async () => {
      const done = await ctx.store.cleanupInterrupted(instance);
      if (done.removed.length || done.quarantined.length || done.trimmed.length) {
        ctx.logger.warn({ instance, ...done }, 'cleaned up after an interrupted run');
      }
    },
  });
}
