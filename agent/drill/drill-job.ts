import { RedbackError } from '../../shared/errors/index.js';
import { isDrillSourceKind, type DrillResult } from '../../shared/drill/drill-result.js';
import type { AgentContext } from '../agent-context.js';
import type { InstanceQueue } from '../daemon/instance-queue.js';
import type { JobContext } from '../session/job-executor.js';
import { runDrill } from './run-drill.js';

/**
 * The `drill` job {targetInstance?, backupId?, source?: local|offsite}. A scratch drill waits only
 * for the agent's other scratch drills (one at a time per host; the instance's own copies go on);
 * a drill into another instance waits for that instance's queue, as any restore would.
 */
export function drillJob(ctx: AgentContext, queue: InstanceQueue, instance: string, args: Record<string, unknown>, job: JobContext): Promise<DrillResult> {
  const source = String(args.source ?? 'local');
  if (!isDrillSourceKind(source)) throw new RedbackError('USAGE', `drill source "${source}" is not local or offsite`, { hint: 'redback drill --instance NAME --source offsite' });
  const targetInstance = typeof args.targetInstance === 'string' && args.targetInstance ? args.targetInstance : undefined;
  const backupId = typeof args.backupId === 'string' && args.backupId ? args.backupId : undefined;
  // One scratch server at a time per host: each holds a whole dataset in memory next to the live ones.
  const key = targetInstance ?? 'drill:scratch';
  return queue.run(key, () =>
    runDrill(ctx, instance, {
      source,
      ...(backupId ? { backupId } : {}),
      ...(targetInstance ? { targetInstance } : {}),
      onPhase: (phase, message) => job.report(phase, 0, 0, message),
      signal: job.signal,
    }),
  );
}
