import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgentContext } from '../../agent/agent-context.js';
import { maxRdbVersion } from '../../agent/recovery/redis-version.js';
import { checkTrap } from '../../agent/recovery/trap-guard.js';
import { parseMemory, resolveInstanceFacts } from '../../agent/state/instance-facts.js';
import { loadInstanceState, recordLastSeen } from '../../agent/state/instance-state.js';
import { InstanceWatch } from '../../agent/state/instance-watch.js';
import { agentConfigSchema } from '../../shared/config/agent-config.js';
import { silentLogger } from '../../shared/log/logger.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('instance state: what the agent last saw, and facts when redis is down', () => {
  const tmp = makeTempDir('redback-state-');
  const servers: TestRedisServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    tmp.cleanup();
  });

  function context(instances: Array<Record<string, unknown>>, name = 'ctx') {
    const config = agentConfigSchema.parse({ backupDir: join(tmp.path, name, 'backups'), instances });
    return createAgentContext(config, silentLogger);
  }

  it('discovers and saves the layout while redis runs; when it is down, redis.conf and the saved state answer', async () => {
    const dir = join(tmp.path, 'up-then-down');
    const server = await TestRedisServer.start({ dir, appendonly: true });
    servers.push(server);
    const ctx = context([{ name: 'main', url: server.url }], 'up-then-down');
    const up = await resolveInstanceFacts(ctx, ctx.config.instances[0]!);
    expect(up).toMatchObject({ redisUp: true, dir, dbfilename: 'dump.rdb', appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', appendonly: true, configFile: server.confPath });
    expect(up.origin.dir).toBe('redis');
    expect((await loadInstanceState(ctx, 'main'))?.layout?.configFile).toBe(server.confPath);

    await server.stop();
    const down = await resolveInstanceFacts(ctx, ctx.config.instances[0]!);
    expect(down).toMatchObject({ redisUp: false, dir, appendonly: true, appendonlyFrom: 'redis.conf', configFile: server.confPath, maxmemory: 0, replicaof: null });
    expect(down.origin.dir).toBe('redis.conf'); // configFile remembered from the state, dir read from it
    expect(down.redisError).toMatch(/nothing listens/);
  });

  it('explicit instance settings win; an unreachable redis with no known data directory says redis is unreachable first', async () => {
    const port = await freePort();
    const ctx = context([{ name: 'lost', url: `redis://127.0.0.1:${port}` }], 'lost');
    await expect(resolveInstanceFacts(ctx, ctx.config.instances[0]!)).rejects.toMatchObject({
      code: 'REDIS_UNREACHABLE',
      message: expect.stringMatching(new RegExp(`^redis lost at 127\\.0\\.0\\.1:${port} does not answer .*no configFile is set and redback never saw it running`)),
      hint: expect.stringMatching(/start redis lost .*set "configFile" \(or "dir"\) for instance lost/),
    });
    // The CLI: recover and check-aof exit 5 naming host:port, not "configuration invalid".
    mkdirSync(join(tmp.path, 'unreachable'), { recursive: true });
    const configPath = writeAgentConfig(join(tmp.path, 'unreachable'), { backupDir: join(tmp.path, 'unreachable', 'backups'), instances: [{ name: 'lost', url: `redis://127.0.0.1:${port}` }] });
    for (const args of [['recover', '--dry-run'], ['check-aof']]) {
      const r = await runCli(['agent', ...args, '--config', configPath, '--instance', 'lost']);
      expect(r.code, r.stderr).toBe(5);
      expect(r.stderr).toMatch(new RegExp(`^redback: redis lost at 127\\.0\\.0\\.1:${port} does not answer`));
      expect(r.stderr).toMatch(/\nHINT: start redis lost/);
    }
    const conf = join(tmp.path, 'explicit.conf');
    mkdirSync(join(tmp.path, 'explicit'), { recursive: true });
    writeFileSync(conf, `dir ${join(tmp.path, 'explicit')}\nappendonly yes\nmaxmemory 2gb\nreplicaof 10.0.0.1 6379\n`);
    const ctx2 = context([{ name: 'x', url: `redis://127.0.0.1:${port}`, configFile: conf, dbfilename: 'data.rdb' }], 'explicit');
    const facts = await resolveInstanceFacts(ctx2, ctx2.config.instances[0]!);
    expect(facts).toMatchObject({ dbfilename: 'data.rdb', rdbFile: join(tmp.path, 'explicit', 'data.rdb'), maxmemory: 2 * 1024 ** 3, replicaof: '10.0.0.1 6379', appendonly: true });
    expect(facts.origin.dbfilename).toBe('config');
    // the daemon's start-up check: appendonly yes, no AOF, but nothing to lose yet → no trap
    expect(await checkTrap(ctx2, 'x')).toBeNull();
    writeFileSync(join(tmp.path, 'explicit', 'data.rdb'), 'REDIS0010 pretend');
    expect((await checkTrap(ctx2, 'x'))?.reason).toBe('aof-dir-missing');
    rmSync(join(tmp.path, 'explicit', 'data.rdb'));
  });

  it('the watcher records lastSeen every poll and keeps lastNonEmpty when a restarted redis comes back empty', async () => {
    const server = await TestRedisServer.start({ dir: join(tmp.path, 'watch') });
    servers.push(server);
    const ctx = context([{ name: 'w', url: server.url }], 'watch');
    await server.client().mset('a', '1', 'b', '2');
    await server.client(4).set('c', '3', 'EX', 100);
    const watch = new InstanceWatch(ctx, { intervalMs: 20 });
    watch.start();
    await new Promise((r) => setTimeout(r, 150));
    await watch.stop();
    const state = (await loadInstanceState(ctx, 'w'))!;
    expect(state.lastSeen).toMatchObject({ keys: 3, keyspace: { '0': { keys: 2, expires: 0 }, '4': { keys: 1, expires: 1 } }, aofEnabled: false, role: 'master' });
    expect(state.layout?.dir).toBe(join(tmp.path, 'watch'));
    await server.client().flushall();
    await new InstanceWatch(ctx).pollOnce();
    const after = (await loadInstanceState(ctx, 'w'))!;
    expect(after.lastSeen?.keys).toBe(0);
    expect(after.lastNonEmpty?.keys).toBe(3);
    // recordLastSeen is the same rule
    await recordLastSeen(ctx, 'w', { ...after.lastSeen!, keys: 5 });
    expect((await loadInstanceState(ctx, 'w'))!.lastNonEmpty?.keys).toBe(5);
  });

  it('redis memory notation and RDB versions per server version', () => {
    expect(parseMemory('0')).toBe(0);
    expect(parseMemory('100mb')).toBe(100 * 1024 * 1024);
    expect(parseMemory('1g')).toBe(1e9);
    expect(parseMemory('1GB')).toBe(1024 ** 3);
    expect(parseMemory('12k')).toBe(12000);
    expect(parseMemory('lots')).toBeNaN();
    expect(maxRdbVersion('7.0.15')).toBe(10);
    expect(maxRdbVersion('7.2.4')).toBe(11);
    expect(maxRdbVersion('7.4.0')).toBe(12);
    expect(maxRdbVersion('8.0.1')).toBe(12);
    expect(maxRdbVersion('6.2.14')).toBe(9);
    expect(maxRdbVersion('garbage')).toBeNull();
  });
});
