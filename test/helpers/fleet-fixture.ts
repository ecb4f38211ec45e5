import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { CliProcess } from './cli-process.js';
import { writeAgentConfig } from './agent-fixture.js';
import { fillAllTypes } from './fill-redis.js';
import { freePort } from './ports.js';
import { TestRedisServer, type RedisServerOptions } from './redis-server.js';

export const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
export const AGENT_TOKEN = 'agent-token-0123456789abcdef';

export interface FleetAgent {
  id: string;
  redis: TestRedisServer;
  config: string;
  backupDir: string;
  process: CliProcess | null;
}

/**
 * A small real fleet for tests: one coordinator process and N agent processes, each agent with its
 * own redis-server holding data, all on free ports in `dir`.
 */
export class TestFleet {
  coordinator: CliProcess | null = null;
  coordinatorConfig = '';
  port = 0;
  metricsPort = 0;
  agents: FleetAgent[] = [];

  constructor(readonly dir: string) {}

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Environment for operator CLI calls. */
  get env(): NodeJS.ProcessEnv {
    return { REDBACK_COORDINATOR: this.address, REDBACK_TOKEN: ADMIN_TOKEN };
  }

  async writeCoordinatorConfig(extra: Record<string, unknown> = {}): Promise<void> {
    this.port ||= await freePort();
    this.metricsPort ||= await freePort();
    this.coordinatorConfig = join(this.dir, 'coordinator.yaml');
    writeFileSync(
      this.coordinatorConfig,
      stringify({
        listen: `127.0.0.1:${this.port}`,
        catalog: join(this.dir, 'catalog', 'catalog.db'),
        auth: { adminToken: '${REDBACK_ADMIN_TOKEN}', agentToken: '${REDBACK_AGENT_TOKEN}' },
        metrics: { listen: `127.0.0.1:${this.metricsPort}` },
        heartbeat: { interval: '300ms', staleAfterMissed: 3, offlineAfter: '10s' },
        ...extra,
      }),
    );
  }

  async startCoordinator(): Promise<CliProcess> {
    const proc = new CliProcess(['coordinator', 'run', '--config', this.coordinatorConfig], {
      REDBACK_ADMIN_TOKEN: ADMIN_TOKEN,
      REDBACK_AGENT_TOKEN: AGENT_TOKEN,
    });
    await proc.waitForLog((l) => l.msg === 'coordinator started');
    this.coordinator = proc;
    return proc;
  }

  async addAgent(
    id: string,
    options: { agentConfig?: Record<string, unknown>; token?: string; redis?: Partial<RedisServerOptions> } = {},
  ): Promise<FleetAgent> {
    const redis = await TestRedisServer.start({ dir: join(this.dir, `redis-${id}`), ...options.redis });
    await fillAllTypes(redis.client(), { perType: 5, seed: id });
    const backupDir = join(this.dir, `backups-${id}`);
    const config = writeAgentConfig(
      this.dir,
      {
        agentId: id,
        backupDir,
        coordinator: { address: this.address, token: options.token ?? AGENT_TOKEN, reconnectMaxDelay: '2s' },
        schedules: { hourly: null, daily: null },
        // process control: recovery may stop this Redis and start it again itself.
        instances: [{ name: 'main', url: redis.url, configFile: redis.confPath, control: { type: 'process' } }],
        ...options.agentConfig,
      },
      `agent-${id}.yaml`,
    );
    const agent: FleetAgent = { id, redis, config, backupDir, process: null };
    this.agents.push(agent);
    return agent;
  }

  async startAgent(agent: FleetAgent, waitConnected = true, env: NodeJS.ProcessEnv = {}): Promise<CliProcess> {
    const proc = new CliProcess(['agent', 'run', '--config', agent.config], env);
    agent.process = proc;
    if (waitConnected) await proc.waitForLog((l) => l.msg === 'connected to coordinator');
    return proc;
  }

  /** Shuts down Redis servers that an agent (not this fixture) started, e.g. after a recovery. */
  async stopControlledRedis(): Promise<void> {
    const { Redis } = await import('ioredis');
    for (const a of this.agents) {
      const client = new Redis({ port: a.redis.port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
      } catch {
        // nothing listening: already stopped
      } finally {
        client.disconnect();
      }
    }
  }

  async stop(): Promise<void> {
    for (const a of this.agents) {
      await a.process?.stop();
      await a.redis.stop();
    }
    await this.coordinator?.stop();
  }
}
