import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController, portAcceptsConnections } from '../../agent/control/index.js';
import { RedbackError } from '../../shared/errors/index.js';
import { freePort } from '../helpers/ports.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { instanceFor, killLeftovers, ping, writeRedisConf } from './control-fixture.js';

/**
 * A stand-in for `systemctl`: there is no systemd on the test machines, so this test double
 * manages one REAL redis-server per "unit" (like a Type=forking unit: `--daemonize yes
 * --pidfile`), and answers is-active like systemctl (prints the state; exit 0 only when active).
 * Its `stop` returns as soon as it sent SIGTERM, before Redis is gone, so the controller's own
 * wait (is-active inactive AND port closed) is what the test exercises.
 */
function writeFakeSystemctl(dir: string, port: number): string {
  const path = join(dir, 'systemctl');
  writeFileSync(
    path,
    `#!/bin/sh
# test double for systemctl (no systemd here): start/stop/is-active <unit> on a real redis-server
STATE=${JSON.stringify(dir)}
action="$1"; unit="$2"
echo "$action $unit" >> "$STATE/calls.log"
pidfile="$STATE/$unit.pid"
conf="$STATE/$unit.conf"
alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
case "$action" in
  start|stop)
    if [ ! -f "$conf" ]; then echo "Failed to $action $unit: Unit $unit not found." >&2; exit 5; fi ;;
esac
case "$action" in
  start)
    alive && exit 0
    redis-server "$conf" --daemonize yes --pidfile "$pidfile" || exit 1
    # like systemd with Type=forking: done once the pid file exists and the server listens
    i=0; while [ $i -lt 100 ]; do alive && redis-cli -p ${port} ping >/dev/null 2>&1 && exit 0; sleep 0.05; i=$((i+1)); done
    echo "Job for $unit failed." >&2; exit 1 ;;
  stop) if alive; then kill -TERM "$(cat "$pidfile")"; fi; exit 0 ;;
  is-active) if alive; then echo active; exit 0; else echo inactive; exit 3; fi ;;
  *) echo "Unknown command verb $action." >&2; exit 1 ;;
esac
`,
  );
  chmodSync(path, 0o755);
  return path;
}

describe('systemd control (through a systemctl test double)', () => {
  const tmp = makeTempDir();
  let systemctl: string;
  let port: number;
  const unit = 'redis-test.service';

  beforeAll(async () => {
    port = await freePort();
    systemctl = writeFakeSystemctl(tmp.path, port);
    const conf = writeRedisConf(join(tmp.path, 'data'), port);
    writeFileSync(join(tmp.path, `${unit}.conf`), readFileSync(conf));
  });

  afterAll(() => {
    killLeftovers([tmp.path]);
    tmp.cleanup();
  });

  function controller(unitName = unit) {
    return createController({
      instance: instanceFor(port, { type: 'systemd', unit: unitName, systemctl }),
      configFile: null,
      host: '127.0.0.1',
      port,
      stateDir: join(tmp.path, 'state'),
      timeouts: { stopMs: 10_000, startMs: 10_000 },
      pollIntervalMs: 50,
    });
  }

  it('starts and stops through the unit and waits until redis is really gone', async () => {
    const c = controller();
    expect(c.kind).toBe('systemd');
    expect(c.supportsOverrides).toBe(false);
    expect(await c.isRunning()).toBe(false);
    await c.start();
    expect(await ping(port)).toBe('PONG');
    expect(await c.isRunning()).toBe(true);
    await c.stop();
    expect(await portAcceptsConnections('127.0.0.1', port)).toBe(false);
    expect(await c.isRunning()).toBe(false);
    await c.stop(); // already down: still asks the unit (Restart=always), succeeds
    const calls = readFileSync(join(tmp.path, 'calls.log'), 'utf8');
    expect(calls).toContain(`start ${unit}`);
    expect(calls).toContain(`stop ${unit}`);
    expect(calls).toContain(`is-active ${unit}`);
  });

  it('describes its commands', () => {
    expect(controller().describe('stop')).toBe(`${systemctl} stop ${unit}`);
    expect(controller().describe('start')).toBe(`${systemctl} start ${unit}`);
  });

  it('reports a failing systemctl with its exit code and first stderr line', async () => {
    const err = (await controller('nope.service').start().catch((e: unknown) => e)) as RedbackError;
    expect(err).toBeInstanceOf(RedbackError);
    expect(err.code).toBe('CONTROL_FAILED');
    expect(err.message).toBe(`${systemctl} start nope.service exited 5: Failed to start nope.service: Unit nope.service not found.`);
    expect(err.hint).toMatch(/systemctl status nope.service/);
  });

  it('refuses overrides (they would be silently ignored)', async () => {
    await expect(controller().start({ overrides: { appendonly: 'no' } })).rejects.toMatchObject({
      code: 'CONTROL_FAILED',
      hint: expect.stringMatching(/setDirectives/),
    });
    expect(await portAcceptsConnections('127.0.0.1', port)).toBe(false);
  });

  it('fails clearly when systemctl does not exist', async () => {
    const c = createController({
      instance: instanceFor(port, { type: 'systemd', unit, systemctl: join(tmp.path, 'no-systemctl') }),
      configFile: null,
      host: '127.0.0.1',
      port,
      stateDir: tmp.path,
    });
    await expect(c.stop()).rejects.toMatchObject({ code: 'CONTROL_FAILED', hint: expect.stringMatching(/not available/) });
  });
});

describe('exec control (sh -c commands)', () => {
  const tmp = makeTempDir();
  let port: number;
  let conf: string;
  const pidfile = () => join(tmp.path, 'redis.pid');

  beforeAll(async () => {
    port = await freePort();
    conf = writeRedisConf(join(tmp.path, 'data'), port);
  });

  afterAll(() => {
    killLeftovers([tmp.path]);
    tmp.cleanup();
  });

  function controller(control: { start?: string; stop?: string; status?: string } = {}) {
    return createController({
      instance: instanceFor(port, {
        type: 'exec',
        start: control.start ?? `redis-server ${conf} --daemonize yes --pidfile ${pidfile()}`,
        // returns at once, before redis has exited: the controller waits for the port
        stop: control.stop ?? `kill -TERM "$(cat ${pidfile()})"`,
        ...(control.status !== undefined ? { status: control.status } : {}),
      }),
      configFile: conf,
      host: '127.0.0.1',
      port,
      stateDir: join(tmp.path, 'state'),
      timeouts: { stopMs: 10_000, startMs: 10_000 },
      pollIntervalMs: 50,
    });
  }

  it('starts and stops with the commands; isRunning by PING without a status command', async () => {
    const c = controller();
    expect(c.kind).toBe('exec');
    expect(await c.isRunning()).toBe(false);
    await c.start();
    for (let i = 0; i < 100 && (await ping(port)) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await c.isRunning()).toBe(true);
    await c.stop();
    expect(await portAcceptsConnections('127.0.0.1', port)).toBe(false);
    expect(await c.isRunning()).toBe(false);
    await c.stop(); // no-op: not running, the stop command is not run (it would fail: no pid file)
  });

  it('uses the status command when given', async () => {
    const c = controller({ status: `[ -f ${pidfile()} ] && kill -0 "$(cat ${pidfile()})"` });
    expect(await c.isRunning()).toBe(false);
    await c.start();
    // the daemonized server writes its pid file a moment after the start command returned
    for (let i = 0; i < 100 && !(await c.isRunning()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await c.isRunning()).toBe(true);
    await c.stop();
    expect(await c.isRunning()).toBe(false);
    const always = controller({ status: 'true' });
    expect(await always.isRunning()).toBe(true); // the status command is believed over the port
  });

  it('reports a failing command with its exit code and first stderr line', async () => {
    const c = controller({ start: 'echo "boom: cannot start" >&2; exit 7' });
    const err = (await c.start().catch((e: unknown) => e)) as RedbackError;
    expect(err.code).toBe('CONTROL_FAILED');
    expect(err.message).toMatch(/^start command for test-\d+ \(sh -c .*\) exited 7: boom: cannot start$/);
    expect(c.describe('start')).toBe(`sh -c 'echo "boom: cannot start" >&2; exit 7'`);
  });

  it('times out when the stop command does not stop redis', async () => {
    const c = createController({
      instance: instanceFor(port, { type: 'exec', start: `redis-server ${conf} --daemonize yes --pidfile ${pidfile()}`, stop: 'true' }),
      configFile: conf,
      host: '127.0.0.1',
      port,
      stateDir: join(tmp.path, 'state'),
      timeouts: { stopMs: 500 },
      pollIntervalMs: 50,
    });
    await c.start();
    for (let i = 0; i < 100 && (await ping(port)) !== 'PONG'; i++) await new Promise((r) => setTimeout(r, 50));
    await expect(c.stop()).rejects.toMatchObject({ code: 'CONTROL_FAILED', message: expect.stringMatching(/still up/) });
    await controller().stop();
    expect(await portAcceptsConnections('127.0.0.1', port)).toBe(false);
  });

  it('refuses overrides', async () => {
    await expect(controller().start({ overrides: { appendonly: 'no' } })).rejects.toMatchObject({ code: 'CONTROL_FAILED' });
  });

  it('an instance without a control block cannot be controlled', () => {
    expect(() =>
      createController({ instance: { name: 'x', url: 'redis://127.0.0.1:1' }, configFile: null, host: '127.0.0.1', port: 1, stateDir: tmp.path }),
    ).toThrow(/no "control" block/);
  });
});
