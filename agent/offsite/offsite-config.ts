import { readFile } from 'node:fs/promises';
import { offsiteSchema, type OffsiteConfig } from '../../shared/config/offsite-schema.js';
import { RedbackError } from '../../shared/errors/index.js';
import { ensureDir, writeFileAtomic } from '../../shared/fs/durable.js';
import type { AgentContext } from '../agent-context.js';

/** `<backupDir>/.agent/offsite.json`: the target config the coordinator last handed over. */
export function offsiteCachePath(ctx: Pick<AgentContext, 'layout'>): string {
  return ctx.layout.offsiteCacheFile();
}

/** Saves the coordinator-supplied offsite config (0600: it may hold credentials). */
export async function writeOffsiteCache(ctx: Pick<AgentContext, 'layout'>, config: unknown): Promise<OffsiteConfig> {
  const parsed = offsiteSchema.safeParse(config);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new RedbackError('CONFIG_INVALID', `offsite config from the coordinator is invalid at ${first?.path.join('.') || '(root)'}: ${first?.message}`, {
      hint: 'fix the offsite block of the coordinator config',
    });
  }
  await ensureDir(ctx.layout.agentStateDir());
  await writeFileAtomic(offsiteCachePath(ctx), JSON.stringify({ savedAt: new Date().toISOString(), offsite: config }, null, 2) + '\n', 0o600);
  return parsed.data;
}

/** The cached coordinator-supplied config, or null when there is none (or it no longer parses). */
export async function readOffsiteCache(ctx: Pick<AgentContext, 'layout' | 'logger'>): Promise<OffsiteConfig | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(offsiteCachePath(ctx), 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') ctx.logger.warn({ err: (err as Error).message }, 'cannot read the cached offsite config');
    return null;
  }
  const parsed = offsiteSchema.safeParse((raw as { offsite?: unknown } | null)?.offsite);
  if (!parsed.success) {
    ctx.logger.warn({ problem: parsed.error.issues[0]?.message }, 'the cached offsite config is invalid; ignored');
    return null;
  }
  return parsed.data;
}

/** The offsite config this agent uses: its own `offsite:` block wins over the coordinator's cached one. */
export async function resolveOffsiteConfig(ctx: AgentContext): Promise<OffsiteConfig | null> {
  return ctx.config.offsite ?? (await readOffsiteCache(ctx));
}

/** As resolveOffsiteConfig, but NOT_FOUND with a hint when there is none. */
export async function requireOffsiteConfig(ctx: AgentContext): Promise<OffsiteConfig> {
  const config = await resolveOffsiteConfig(ctx);
  if (!config) {
    throw new RedbackError('NOT_FOUND', 'no offsite target is configured for this agent', {
      hint: 'add an offsite: block to the agent config, or let the coordinator hand one over (it is cached in <backupDir>/.agent/offsite.json)',
    });
  }
  return config;
}
