import type { InstanceConfig } from '../../shared/config/agent-config.js';
import type { OffsiteConfig } from '../../shared/config/offsite-schema.js';
import type { OffsiteTarget } from '../../shared/offsite/offsite-target.js';
import type { SetOwner } from '../../shared/offsite/set-paths.js';
import type { AgentContext } from '../agent-context.js';
import { agentIdOf } from '../session/coordinator-link.js';
import { requireOffsiteConfig, resolveOffsiteConfig } from './offsite-config.js';
import { openOffsiteTarget } from '../../shared/storage/open-target.js';
import { uploadSet, type UploadSetOptions, type UploadSetOutcome } from './upload-set.js';

/** The resolved offsite config and its open target. */
export interface OffsiteAccess {
  config: OffsiteConfig;
  target: OffsiteTarget;
}

export async function openOffsite(ctx: AgentContext): Promise<OffsiteAccess> {
  const config = await requireOffsiteConfig(ctx);
  return { config, target: openOffsiteTarget(config, { logger: ctx.logger }) };
}

/** Null when no offsite target is configured (neither in the agent config nor cached). */
export async function openOffsiteIfConfigured(ctx: AgentContext): Promise<OffsiteAccess | null> {
  const config = await resolveOffsiteConfig(ctx);
  return config ? { config, target: openOffsiteTarget(config, { logger: ctx.logger }) } : null;
}

export function ownerFor(ctx: AgentContext, access: OffsiteAccess, instance: string): SetOwner {
  return { prefix: access.config.prefix, agentId: agentIdOf(ctx.config), instance };
}

/** uploadSet with the options of the resolved config (what the CLI and the job executor call). */
export async function uploadWithConfig(
  ctx: AgentContext,
  instance: InstanceConfig,
  access: OffsiteAccess,
  extra: Pick<UploadSetOptions, 'onProgress' | 'signal' | 'env' | 'pinWith'> = {},
): Promise<UploadSetOutcome> {
  const c = access.config;
  return uploadSet(ctx, instance, {
    target: access.target,
    prefix: c.prefix,
    compression: c.compression.enabled ? 'zstd' : 'none',
    level: c.compression.level,
    encryption: c.encryption,
    rdbMaxAgeMs: c.rdbMaxAge,
    ...extra,
  });
}
