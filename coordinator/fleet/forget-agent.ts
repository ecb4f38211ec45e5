import { RedbackError } from '../../shared/errors/index.js';
import type { CoordinatorState } from '../coordinator-state.js';

export interface ForgetAgentResult {
  agentId: string;
  removed: boolean;
  wasConnected: boolean;
  instances: number;
  /** Local copies dropped from the catalog (backups also held offsite stay). */
  backups: number;
  /** Open jobs cancelled. */
  jobs: number;
}

/**
 * `redback agents forget ID`: removes a decommissioned agent from the fleet.
 * 1. refuse a connected agent unless forced (it would come straight back);
 * 2. count what goes (dry run stops here);
 * 3. cancel its open jobs, close its session, delete it from the catalog, recompute the schedule.
 * Nothing on any host is touched: the agent's copies stay on its disk.
 */
export function forgetAgent(state: CoordinatorState, agentId: string, options: { force?: boolean; dryRun?: boolean } = {}): ForgetAgentResult {
  state.jobs.settle();
  const live = state.sessions.get(agentId);
  const counts = state.catalog.forgetAgent(agentId, true);
  if (!counts) throw new RedbackError('NOT_FOUND', `no agent ${agentId} in the catalog`, { hint: 'list agents with: redback agents' });
  if (live && !options.force) {
    throw new RedbackError('UNSAFE_REFUSED', `agent ${agentId} is connected; forgetting it now would only last until it reconnects`, {
      hint: `stop the agent on its host first, or pass --force: redback agents forget ${agentId} --force`,
    });
  }
  const open = state.catalog.openJobsForAgent(agentId);
  const result: ForgetAgentResult = { agentId, removed: false, wasConnected: live !== undefined, ...counts, jobs: open.length };
  if (options.dryRun) return result;
  for (const job of open) state.jobs.cancel(job.jobId);
  live?.close('agent forgotten by an operator');
  state.catalog.forgetAgent(agentId);
  state.schedules.removeAgent(agentId);
  state.sessions.forgetDuplicates(agentId);
  state.logger.warn({ agent: agentId, instances: counts.instances, backups: counts.backups, jobs: open.length }, 'agent forgotten');
  return { ...result, removed: true };
}
