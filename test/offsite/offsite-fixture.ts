import { join } from 'node:path';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { Drill } from '../recovery/drill-fixture.js';

export const AGENT_ID = 'host-a';

/**
 * A drill (real redis-server with AOF, agent config with process control) whose agent config
 * also has an `offsite:` block pointing at `target` (default: a local directory in the drill).
 */
export async function offsiteDrill(root: string, offsite: Record<string, unknown> = {}, options: { appendonly?: boolean; extraConfig?: string[] } = {}): Promise<Drill & { offsiteDir: string }> {
  const drill = (await Drill.create(root, options)) as Drill & { offsiteDir: string };
  drill.offsiteDir = join(root, 'offsite');
  writeOffsiteConfig(drill, offsite);
  return drill;
}

export function writeOffsiteConfig(drill: Drill & { offsiteDir: string }, offsite: Record<string, unknown> = {}): void {
  writeAgentConfig(drill.root, {
    agentId: AGENT_ID,
    backupDir: drill.backupDir,
    schedules: { hourly: null, daily: null },
    offsite: offsite.type === 's3' ? { prefix: 'redback', ...offsite } : { type: 'local', path: drill.offsiteDir, prefix: 'redback', ...offsite },
    instances: [{ name: drill.name, url: `redis://127.0.0.1:${drill.port}`, configFile: drill.confPath, control: { type: 'process' } }],
  });
}
