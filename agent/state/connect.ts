import type { InstanceConfig } from '../../shared/config/agent-config.js';
import { RedbackError } from '../../shared/errors/index.js';
import { redactUrl } from '../../shared/log/logger.js';
import { portAcceptsConnections } from '../control/liveness.js';
import { connectRedis, type ConnectedRedis } from '../redis/redis-client.js';
import { endpointOf } from './instance-state.js';

/**
 * Connects for recovery work: short timeouts, and a server still loading its data counts as up
 * (INFO and CONFIG work while loading). The port is probed first, so a Redis that is down fails at
 * once (and leaves no connect timer behind to delay the exit of a one-shot command).
 */
export async function connectForRecovery(instance: InstanceConfig, commandTimeoutMs = 10_000): Promise<ConnectedRedis> {
  const { host, port } = endpointOf(instance);
  if (!(await portAcceptsConnections(host, port, 1000))) {
    throw new RedbackError('REDIS_UNREACHABLE', `cannot reach redis ${instance.name} (${redactUrl(instance.url)}): nothing listens on ${host}:${port}`, {
      hint: 'is redis-server running?',
    });
  }
  return connectRedis(instance, { connectTimeoutMs: 2000, commandTimeoutMs, allowLoading: true });
}
