import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createController, portAcceptsConnections, processAlive, type RedisController } from '../../agent/control/index.js';
import { RedbackError } from '../../shared/errors/index.js';
import { ROOT } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { configGet, instanceFor, killLeftovers, ping, writeRedisConf } from './control-fixture.js';

const PROCESS = { type: 'process' as const, binary: 'redis-server' };

describe('process control: redback starts and stops redis-server itself', () => {
  const tmp = makeTempDir();
  const stateDirs: string[] = [];
  const started: RedisController[] = [];

  afterAll(async () => {
    for (const c of started) await c.stop().catch(() => undefined);
    killLeftovers(stateDirs);
    tmp.cleanup();
  });

  async function setup(name: string, extra: string[] = [], options: { url?: (port: number) => string; stopMs?: number } = {}) {
    const port = await freePort();
    const dir = join(tmp.path, name);
    const configFile = writeRedisConf(dir, port, extra);
    const stateDir = join(dir, 'state');
    stateDirs.push(stateDir);
    const instance = instanceFor(port, PROCESS, options.url?.(port));
    const controller = createController({
      instance,
      configFile,
      host: '127.0.0.1',
      port,
      stateDir,
      timeouts: { startMs: 15_000, stopMs: options.stopMs ?? 15_000 },
      pollIntervalMs: 50,
    });
    started.push(controller);
    return { port, dir, configFile, stateDir, controller, instance };
  }

  it('starts redis detached in its own session, records the pid, stops it for real', async () => {
    const { port, stateDir, controller } = await setup('basic');
    expect(controller.kind).toBe('process');
    expect(controller.supportsOverrides).toBe(true);
    expect(await controller.isRunning()).toBe(false);

    await controller.start();
    expect(await ping(port)).toBe('PONG');
    expect(await controller.isRunning()).toBe(true);
    const pid = Number(readFileSync(join(stateDir, `redis-${port}.pid`), 'utf8'));
    expect(await configGet(port, 'port')).toBe(String(port));
    // setsid: the server leads its own session (field 6 of /proc/<pid>/stat is the session id).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    expect(Number(fields[3])).toBe(pid);
    expect(existsSync(join(stateDir, `redis-${port}.log`))).toBe(true);

    await controller.stop();
    expect(await portAcceptsConnections('127.0.0.1', port)).toBe(false);
    expect(await processAlive(pid)).toBe(false);
    expect(await controller.isRunning()).toBe(false);
    expect(existsSync(join(stateDir, `redis-${port}.pid`))).toBe(false);
    await controller.stop(); // already down: no-op
  });

  it('keeps redis running after the redback process that started it exits', async () => {
    const { port, configFile, stateDir, controller } = await setup('detached');
    // A separate node process (the compiled code, as `redback` would run it) starts redis and exits.
    const script = `
      const { createController } = await import(${JSON.stringify(join(ROOT, 'dist', 'agent', 'control', 'index.js'))});
      const c = createController({
        instance: { name: 'detached', url: 'redis://127.0.0.1:${port}', control: { type: 'process', binary: 'redis-server' } },
        configFile: ${JSON.stringify(configFile)}, host: '127.0.0.1', port: ${port}, stateDir: ${JSON.stringify(stateDir)},
      });
      await c.start();
      console.log('started');
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(-1);
      }, 20_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(output).toContain('started');
    expect(code).toBe(0); // exited on its own: redis does not hold it
    expect(await ping(port)).toBe('PONG');
    await controller.stop();
    expect(await ping(port)).toMatch(/^error/);
  });

  it('passes overrides as --key value arguments (values with spaces and empty values intact)', async () => {
    const { port, controller } = await setup('overrides');
    await controller.start({ overrides: { appendonly: 'yes', save: '3600 1 300 100', 'appendfilename': 'my.aof' } });
    expect(await configGet(port, 'appendonly')).toBe('yes');
    expect(await configGet(port, 'save')).toBe('3600 1 300 100');
    expect(await configGet(port, 'appendfilename')).toBe('my.aof');
    await controller.stop();
    await controller.start({ overrides: { save: '' } });
    expect(await configGet(port, 'save')).toBe('');
    await controller.stop();
    await expect(controller.start({ overrides: { 'bad name': 'x' } })).rejects.toMatchObject({ code: 'CONTROL_FAILED' });
  });

  it('describes what start and stop do', async () => {
    const { port, configFile, controller } = await setup('describe');
    expect(controller.describe('start')).toContain(`redis-server ${configFile}`);
    expect(controller.describe('stop')).toContain('kill -TERM');
    expect(controller.describe('stop')).toContain(`127.0.0.1:${port}`);
  });

  it('fails clearly without a configFile', async () => {
    const port = await freePort();
    const c = createController({ instance: instanceFor(port, PROCESS), configFile: null, host: '127.0.0.1', port, stateDir: join(tmp.path, 'noconf') });
    const err = await c.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedbackError);
    expect((err as RedbackError).code).toBe('CONTROL_FAILED');
    expect((err as RedbackError).message).toMatch(/needs the instance's redis.conf/);
    expect((err as RedbackError).hint).toMatch(/configFile/);
  });

  it('reports a config error with the reason redis-server printed', async () => {
    const { controller } = await setup('badconf', ['bogus-directive yes']);
    const err = (await controller.start().catch((e: unknown) => e)) as RedbackError;
    expect(err.code).toBe('CONTROL_FAILED');
    expect(err.message).toMatch(/exited 1 before listening/);
    expect(err.message).toMatch(/Bad directive or wrong number of arguments/);
    expect(err.message).toContain('bogus-directive yes');
    expect(err.message.split('\n')).toHaveLength(1);
    expect(err.hint).toMatch(/redis-\d+\.log/);
  });

  it('fails clearly when the binary does not exist', async () => {
    const port = await freePort();
    const dir = join(tmp.path, 'nobinary');
    const c = createController({
      instance: instanceFor(port, { type: 'process', binary: join(tmp.path, 'no-such-redis-server') }),
      configFile: writeRedisConf(dir, port),
      host: '127.0.0.1',
      port,
      stateDir: join(dir, 'state'),
    });
    await expect(c.start()).rejects.toMatchObject({ code: 'CONTROL_FAILED', message: expect.stringMatching(/no-such-redis-server not found/) });
  });

  it('refuses to start a second server on a port that is in use', async () => {
    const { controller } = await setup('twice');
    await controller.start();
    await expect(controller.start()).rejects.toMatchObject({ code: 'CONTROL_FAILED', message: expect.stringMatching(/already listens/) });
    await controller.stop();
  });

  it('stops through the pid file when redis refuses INFO (password not in the url)', async () => {
    const { port, stateDir, controller } = await setup('pidfile', ['requirepass s3cret']);
    await controller.start();
    expect(await ping(port, 's3cret')).toBe('PONG');
    expect(existsSync(join(stateDir, `redis-${port}.pid`))).toBe(true);
    await controller.stop();
    expect(await portAcceptsConnections('127.0.0.1', port)).toBe(false);
  });

  it('stops a redis it did not start when INFO gives the pid (no pid file)', async () => {
    const { port, configFile, stateDir } = await setup('foreign');
    const child = spawn('redis-server', [configFile], { stdio: 'ignore' });
    for (let i = 0; i < 100 && (await ping(port)) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
    const c = createController({ instance: instanceFor(port, PROCESS), configFile, host: '127.0.0.1', port, stateDir, pollIntervalMs: 50 });
    expect(existsSync(join(stateDir, `redis-${port}.pid`))).toBe(false);
    const exited = new Promise((r) => child.once('exit', r));
    await c.stop();
    await exited;
    expect(await portAcceptsConnections('127.0.0.1', port)).toBe(false);
  });

  it('times out with CONTROL_FAILED when redis does not exit', async () => {
    const { port, stateDir, controller } = await setup('stuck', [], { stopMs: 1000 });
    await controller.start();
    const pid = Number(readFileSync(join(stateDir, `redis-${port}.pid`), 'utf8'));
    process.kill(pid, 'SIGSTOP'); // a frozen server cannot act on SIGTERM
    try {
      const err = (await controller.stop().catch((e: unknown) => e)) as RedbackError;
      expect(err.code).toBe('CONTROL_FAILED');
      expect(err.message).toMatch(/did not exit within 1s of SIGTERM/);
      expect(err.hint).toMatch(/redis log/);
    } finally {
      process.kill(pid, 'SIGCONT'); // the pending SIGTERM is delivered now
    }
    for (let i = 0; i < 100 && (await processAlive(pid)); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await processAlive(pid)).toBe(false);
  });
});
