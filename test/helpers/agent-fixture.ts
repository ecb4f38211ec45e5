import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Writes an agent config YAML into `dir` and returns its path. */
export function writeAgentConfig(dir: string, config: Record<string, unknown>, name = 'agent.yaml'): string {
  const path = join(dir, name);
  writeFileSync(path, stringify(config));
  return path;
}
