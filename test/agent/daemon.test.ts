import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli, runCliJson } from '../helpers/cli.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { fillAllTypes, fillRandom } from '../helpers/fill-redis.js';
import { TestRedisServer, waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

function startDaemon(config: string): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [CLI, 'agent', 'run', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('kill -9 during a copy, and the daemon', () => {
  const tmp = makeTempDir();
  let redis: TestRedisServer;
  const backupDir = join(tmp.path, 'backups');
  let config: string;

  beforeAll(async () => {
    redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
    await fillAllTypes(redis.client(), { perType: 10 });
    config = writeAgentConfig(tmp.path, {
      backupDir,
      schedules: { hourly: null, daily: null },
      instances: [{ name: 'main', url: redis.url }],
    });
  });

  afterAll(async () => {
    await redis.stop();
    tmp.cleanup();
  });

  it('a copy killed midway is never listed, and the next start removes its temp file', async () => {
    const first = await runCliJson(['agent', 'snapshot', '--config', config, '--instance', 'main', '--tier', 'hourly', '--json']);
    expect(first.code).toBe(0);
    // Enough data that the copy takes a moment: ~300 MB of random values.
    await fillRandom(redis.client(), 1200, 256 * 1024, 'big');
    const tierDir = join(backupDir, 'main', 'hourly');
    const child = spawn(process.execPath, [CLI, 'agent', 'snapshot', '--config', config, '--instance', 'main', '--tier', 'hourly'], { stdio: 'ignore' });
    const exited = new Promise((r) => child.on('exit', r));
    let temp: string | undefined;
    await waitFor(() => {
      temp = readdirSync(tierDir).find((f) => f.startsWith('.tmp-'));
      return temp !== undefined;
    }, 60_000, 2);
    child.kill('SIGKILL');
    await exited;
    expect(existsSync(join(tierDir, temp!))).toBe(true);

    // The partial copy is not listed (list only reads: the temp file is still there).
    const list = await runCliJson(['agent', 'list', '--config', config, '--json']);
    expect(list.json.copies.map((c: { id: string }) => c.id)).toEqual([first.json.id]);
    const verify = await runCli(['agent', 'verify', '--config', config, '--no-quarantine']);
    expect(verify.code).toBe(0);
    // verify is a one-shot command: under the lock it removed what the killed run left.
    expect(existsSync(join(tierDir, temp!))).toBe(false);

    // The daemon's start removes what a killed run left, and SIGTERM stops it cleanly.
    writeFileSync(join(tierDir, temp!), 'partial copy of a killed run');
    const daemon = startDaemon(config);
    await waitFor(() => daemon.output().includes('agent started'), 20_000);
    expect(readdirSync(tierDir).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    expect(daemon.output()).toContain('cleaned up after an interrupted run');
    daemon.child.kill('SIGTERM');
    expect(await daemon.exited).toBe(0);
    expect(daemon.output()).toContain('agent stopped');
    // The earlier copy still verifies.
    const again = await runCli(['agent', 'verify', '--config', config, '--no-quarantine']);
    expect(again.code).toBe(0);
    await redis.client().flushall();
    await fillAllTypes(redis.client(), { perType: 10 });
  }, 180_000);

  it('runs the hourly schedule from its config and logs JSON', async () => {
    const fast = writeAgentConfig(tmp.path, {
      backupDir: join(tmp.path, 'backups-fast'),
      schedules: { hourly: '*/2 * * * * *', daily: null },
      instances: [{ name: 'main', url: redis.url }],
    }, 'fast.yaml');
    const daemon = startDaemon(fast);
    const done = () => daemon.output().split('\n').filter((l) => l.includes('"scheduled copy done"')).length;
    try {
      await waitFor(() => done() >= 3, 30_000, 200);
    } finally {
      daemon.child.kill('SIGTERM');
    }
    expect(await daemon.exited).toBe(0);
    const parsed = daemon.output().trim().split('\n').map((l) => JSON.parse(l));
    expect(parsed.every((l) => typeof l.level === 'string' && typeof l.time === 'string')).toBe(true);
    expect(parsed.some((l) => l.msg === 'scheduled copy done' && l.instance === 'main')).toBe(true);
    // S6: retention ran after each copy; copies in the same hour bucket keep only the newest.
    expect(parsed.some((l) => l.msg === 'retention deleted copy' && /superseded by/.test(l.reason))).toBe(true);
    const list = await runCliJson(['agent', 'list', '--config', fast, '--json']);
    const hourly = list.json.copies.filter((c: { tier: string }) => c.tier === 'hourly');
    expect(hourly.length).toBe(1);
  }, 60_000);

  it('warns loudly at start about an instance caught in the AOF trap', async () => {
    const trapped = await TestRedisServer.start({ dir: join(tmp.path, 'redis-trap'), appendonly: true });
    await fillAllTypes(trapped.client(), { perType: 3 });
    await trapped.client().call('SAVE');
    await trapped.kill9();
    rmSync(join(trapped.dir, 'appendonlydir'), { recursive: true, force: true });
    const cfg = writeAgentConfig(tmp.path, {
      backupDir: join(tmp.path, 'backups-trap'),
      schedules: { hourly: null, daily: null },
      instances: [{ name: 'main', url: trapped.url, configFile: trapped.confPath, control: { type: 'process' } }],
    }, 'trap.yaml');
    const daemon = startDaemon(cfg);
    try {
      await waitFor(() => daemon.output().includes('agent started'), 20_000);
    } finally {
      daemon.child.kill('SIGTERM');
    }
    await daemon.exited;
    const trapLine = daemon.output().split('\n').find((l) => l.includes('AOF TRAP on main'));
    expect(trapLine).toBeDefined();
    expect(JSON.parse(trapLine!).level).toBe('error');
    expect(trapLine).toContain(`redback agent recover --config ${cfg} --instance main`);
  }, 60_000);
});
