import { loadAgentConfig } from '../../shared/config/agent-config.js';
import { createLogger, type Logger } from '../../shared/log/logger.js';
import { createAgentContext, type AgentContext } from '../agent-context.js';

export interface AgentFlags {
  config: string;
  instance?: string;
  json?: boolean;
}

/** Config + context for a one-shot agent command; logs go to stderr (stdout is for output). */
export function loadAgentForCommand(flags: AgentFlags, logger?: Logger): AgentContext {
  const config = loadAgentConfig(flags.config);
  return createAgentContext(config, logger ?? createLogger({ level: process.env.REDBACK_LOG_LEVEL ?? 'warn', destination: 'stderr', name: 'redback-agent' }));
}
