import { RedbackError } from '../../shared/errors/index.js';
import { desiredSettings, policyFor } from '../../shared/policy/persistence-policy.js';
import type { CoordinatorState } from '../coordinator-state.js';
import { resolveInstance } from '../fleet/resolve-instance.js';
import type { JobRequest } from '../jobs/job-manager.js';

/**
 * The policy-apply jobs for `redback policy apply`: one per instance (the named one, or every
 * instance with --all) whose policy names at least one setting and whose agent is connected
 * (the others are listed as skipped). The job carries the settings themselves, so the agent
 * needs no copy of the coordinator's config.
 */
export function policyApplyRequests(
  state: Pick<CoordinatorState, 'catalog' | 'config' | 'sessions'>,
  request: { instance: string; all: boolean; dryRun: boolean; timeoutMs?: number },
): { jobs: JobRequest[]; skipped: string[] } {
  if (!request.instance === !request.all) {
    throw new RedbackError('USAGE', 'name one instance with --instance, or every instance with --all', { hint: 'redback policy apply --all --dry-run' });
  }
  const targets = request.instance ? [resolveInstance(state.catalog, request.instance)] : state.catalog.listInstanceKeys();
  const jobs: JobRequest[] = [];
  const skipped: string[] = [];
  for (const target of targets) {
    const { name, policy } = policyFor(state.config.policies, target.agentId, target.name);
    const settings = desiredSettings(policy);
    if (Object.keys(settings).length === 0) continue;
    // Not queued for later: a policy change should happen while someone watches it.
    if (!state.sessions.get(target.agentId)) {
      skipped.push(`${target.agentId}/${target.name}: agent not connected`);
      continue;
    }
    jobs.push({
      type: 'policy-apply',
      agentId: target.agentId,
      instance: target.name,
      args: { policy: name, settings, dryRun: request.dryRun },
      ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
    });
  }
  if (jobs.length === 0 && skipped.length > 0) {
    throw new RedbackError('JOB_FAILED', `policy apply cannot run now: ${skipped.join('; ')}`, { hint: 'check the agent with: redback agents' });
  }
  if (jobs.length === 0) {
    throw new RedbackError('NOT_FOUND', `no policy setting applies to ${request.instance ? `instance "${request.instance}"` : 'any instance'}`, {
      hint: 'set policies: (default, groups, assign) in the coordinator config; see deploy/examples/coordinator.yaml',
    });
  }
  return { jobs, skipped };
}
