import { RedbackError } from '../../shared/errors/index.js';
import type { Catalog, InstanceRecord } from '../catalog/index.js';

/**
 * Finds the one instance an operator means: `agent/name`, or a bare `name` that only one agent
 * has. Ambiguity is an error listing the qualified names to use instead.
 */
export function resolveInstance(catalog: Catalog, spec: string, agentId?: string): InstanceRecord {
  const slash = spec.indexOf('/');
  const agent = agentId || (slash > 0 ? spec.slice(0, slash) : '');
  const name = slash > 0 ? spec.slice(slash + 1) : spec;
  const found = catalog.findInstances(name).filter((i) => i.removedAt === null && (!agent || i.agentId === agent));
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    throw new RedbackError('NOT_FOUND', `no instance "${spec}" in the fleet`, { hint: 'list instances with: redback instances' });
  }
  throw new RedbackError('USAGE', `instance name "${name}" is ambiguous: ${found.map((i) => `${i.agentId}/${i.name}`).join(', ')}`, {
    hint: 'qualify it as AGENT/INSTANCE',
  });
}
