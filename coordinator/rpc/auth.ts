import { createHash, timingSafeEqual } from 'node:crypto';
import type * as grpc from '@grpc/grpc-js';
import { RedbackError } from '../../shared/errors/index.js';
import type { CoordinatorConfig } from '../../shared/config/coordinator-config.js';

/** Compares secrets in constant time (hashes first, so lengths do not leak either). */
export function secretsEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearer(metadata: grpc.Metadata): string | null {
  const value = metadata.get('authorization')[0]?.toString() ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(value);
  return match ? match[1]!.trim() : null;
}

export type RejectListener = (reason: string, peer: string, detail: string) => void;

/**
 * Who may call what: operators present the admin token; agents present their own token from
 * `agentTokens` when one is configured for their id, otherwise the shared agent token. Every
 * rejection is reported to `onReject` (logged and counted), never with the token itself.
 */
export class Authenticator {
  constructor(
    private readonly auth: CoordinatorConfig['auth'],
    private readonly onReject: RejectListener,
  ) {}

  requireAdmin(metadata: grpc.Metadata, peer: string): void {
    const token = bearer(metadata);
    if (token === null || !secretsEqual(token, this.auth.adminToken)) {
      this.onReject(token === null ? 'missing-token' : 'bad-admin-token', peer, 'control call');
      throw new RedbackError('AUTH_FAILED', token === null ? 'no token presented' : 'wrong admin token', {
        hint: 'pass the coordinator admin token with --token or REDBACK_TOKEN',
      });
    }
  }

  /** Returns the agent id the caller proved it is. */
  requireAgent(metadata: grpc.Metadata, peer: string): string {
    const token = bearer(metadata);
    const agentId = metadata.get('x-redback-agent-id')[0]?.toString() ?? '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(agentId)) {
      this.onReject('bad-agent-id', peer, agentId.slice(0, 64));
      throw new RedbackError('AUTH_FAILED', 'missing or invalid agent id', { hint: 'set agentId in the agent config' });
    }
    const own = this.auth.agentTokens[agentId];
    const expected = own ?? this.auth.agentToken;
    if (token === null || expected === undefined || !secretsEqual(token, expected)) {
      this.onReject(token === null ? 'missing-token' : 'bad-agent-token', peer, agentId);
      throw new RedbackError('AUTH_FAILED', `wrong token for agent ${agentId}`, {
        hint: own ? 'this agent has its own token in auth.agentTokens' : 'the agent token must match auth.agentToken of the coordinator',
      });
    }
    return agentId;
  }
}
