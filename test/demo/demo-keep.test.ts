/**
 * `bash deploy/demo/run.sh --keep`: the arguments reach the demo, the fleet is left running with
 * the commands to look at it and to stop it, and the printed stop command stops everything.
 */
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { portAcceptsConnections } from '../../agent/control/index.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { waitFor } from '../helpers/redis-server.js';

describe('the demo with --keep', () => {
  it('leaves the fleet running, prints how to look at it and how to stop it; the stop command stops it', async () => {
    const child = spawn('bash', ['deploy/demo/run.sh', '--keep'], { cwd: ROOT, env: { ...process.env, REDBACK_DEMO_SKIP_BUILD: '1', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
    try {
      await waitFor(() => out.includes('FLEET RUNNING') || child.exitCode !== null, 240_000, 200);
      expect(out, out).toContain('FLEET RUNNING');
      expect(out).not.toMatch(/\x1b/); // NO_COLOR, and not a terminal
      // The story: nightly sets uploaded, a host's data destroyed and brought back from offsite with
      // one command, another instance restored onto the other host, a drill with its RTO, status OK.
      expect(out).toMatch(/offsite set \S+: \d+ objects/);
      expect(out).toMatch(/recover demo-1\/main: SUCCEEDED/);
      expect(out).toMatch(/demo-1 has (\d+) keys in db0 again \(was \1\)/);
      expect(out).toMatch(/restore demo-2\/spare: SUCCEEDED/);
      expect(out).toMatch(/demo-2\/spare has [1-9]\d* keys in db0 now/);
      expect(out).toMatch(/drill of main passed: recovery time \S+/);
      expect(out).toMatch(/^OK: 2\/2 agents online, 3\/3 instances protected/m);

      const exportLine = /export REDBACK_COORDINATOR=(\S+) REDBACK_TOKEN=(\S+)/.exec(out);
      expect(exportLine, out).not.toBeNull();
      const env = { REDBACK_COORDINATOR: exportLine![1]!, REDBACK_TOKEN: exportLine![2]! };
      expect(out).toMatch(/node \S+bin\/redback\.js status/);
      const filesDir = /^Files: (\S+)$/m.exec(out)![1]!;
      const stop = /kill -INT (\d+)/.exec(out);
      expect(stop, out).not.toBeNull();

      // The fleet is still there after the demo's narration ended.
      await new Promise((r) => setTimeout(r, 1000));
      expect(child.exitCode).toBeNull();
      const status = await runCli(['instances', '--json'], { env });
      expect(status.stderr).toBe('');
      expect(status.stdout).toMatch(/demo-1/);
      const [host, port] = env.REDBACK_COORDINATOR.split(':');
      expect(await portAcceptsConnections(host!, Number(port))).toBe(true);

      // The printed stop command.
      process.kill(Number(stop![1]), 'SIGINT');
      expect(await exited).toBe(0);
      expect(out).toMatch(/fleet stopped; its files are kept in /);
      expect(existsSync(filesDir)).toBe(true);
      rmSync(filesDir, { recursive: true, force: true });
      expect(await portAcceptsConnections(host!, Number(port))).toBe(false);
    } finally {
      if (child.exitCode === null) {
        try {
          process.kill(-child.pid!, 'SIGINT');
        } catch {
          // already gone
        }
        await exited;
      }
    }
  }, 300_000);
});
