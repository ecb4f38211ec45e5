import { loadAgentConfig } from '../../shared/config/agent-config.js';
import { createLogger, type Logger } from '../../shared/log/logger.js';
import { createAgentContext, type AgentContext } from '../agent-context.js';

export interface AgentFlags {
  config: string;
  instance?: string;
  json?: boolean;
}

/**
 * Config + context for a one-shot agent command. Its errors reach the user as the one-line error
 * of the command, so logs are off unless REDBACK_LOG_LEVEL asks for them (then on stderr).
 */
export function loadAgentForCommand(flags: AgentFlags, logger?: Logger): AgentContext {
  const config = loadAgentConfig(flags.config);
  return createAgentContext(config, logger ?? createLogger({ level: process.env.REDBACK_LOG_LEVEL ?? 'fatal', destination: 'stderr', name: 'redback-agent' }), undefined, flags.config);
}
