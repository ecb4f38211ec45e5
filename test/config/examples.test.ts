import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadAgentConfig } from '../../shared/config/agent-config.js';
import { loadCoordinatorConfig } from '../../shared/config/coordinator-config.js';
import { ROOT } from '../helpers/cli.js';

describe('the example configs in deploy/examples are valid', () => {
  it('agent.yaml', () => {
    const cfg = loadAgentConfig(join(ROOT, 'deploy', 'examples', 'agent.yaml'), {});
    expect(cfg.instances[0]!.name).toBe('main');
    expect(cfg.retention.hourly).toBe(48 * 3600_000);
  });

  it('coordinator.yaml (tokens from the environment)', () => {
    const cfg = loadCoordinatorConfig(join(ROOT, 'deploy', 'examples', 'coordinator.yaml'), {
      REDBACK_ADMIN_TOKEN: 'a'.repeat(32),
      REDBACK_AGENT_TOKEN: 'b'.repeat(32),
    });
    expect(cfg.listen).toBe('127.0.0.1:7400');
    expect(cfg.schedules.defaults.retention?.daily).toBe(30 * 86400_000);
    expect(cfg.heartbeat.interval).toBe(5000);
    expect(cfg.drills).toEqual({ schedule: '0 4 * * 0', instances: 'all', source: 'local', window: 8 * 86400_000 });
  });

  it('coordinator.yaml without its tokens in the environment is refused naming them', () => {
    expect(() => loadCoordinatorConfig(join(ROOT, 'deploy', 'examples', 'coordinator.yaml'), {})).toThrow(/REDBACK_ADMIN_TOKEN is not set[\s\S]*REDBACK_AGENT_TOKEN is not set/);
  });
});
