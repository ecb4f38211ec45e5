/**
 * A new user's first hour: `redback` on the PATH (a symlink of bin/redback.js, as the README says),
 * run from another directory, with an agent config whose paths are relative to the config file.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { ROOT } from '../helpers/cli.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const tmp = makeTempDir('redback-installed-');
const binDir = join(tmp.path, 'bin');
const elsewhere = join(tmp.path, 'somewhere', 'else');
let redis: TestRedisServer;

/** Runs `redback ...` by name, found on the PATH, from `cwd`. */
function redback(args: string[], cwd = elsewhere): { code: number; stdout: string; stderr: string } {
  const r = spawnSync('redback', args, { cwd, env: { ...process.env, PATH: `${binDir}:${process.env.PATH}` }, encoding: 'utf8', timeout: 60_000 });
  if (r.error) throw r.error;
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  mkdirSync(binDir, { recursive: true });
  mkdirSync(elsewhere, { recursive: true });
  symlinkSync(join(ROOT, 'bin', 'redback.js'), join(binDir, 'redback')); // what the README says to do
  redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
  await redis.client().set('k', 'v');
}, 30_000);
afterAll(async () => {
  await redis?.stop();
  tmp.cleanup();
});

describe('the installed redback command', () => {
  it('runs by name from another directory', () => {
    const version = redback(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const help = redback(['--help']);
    expect(help.stdout).toMatch(/Usage: redback/);
    expect(help.stdout).toMatch(/inspect/);
  });

  it('relative paths in the agent config are relative to the config file, not to the working directory', () => {
    const confDir = join(tmp.path, 'etc');
    mkdirSync(confDir, { recursive: true });
    const config = writeAgentConfig(confDir, { backupDir: 'backups', instances: [{ name: 'main', url: redis.url }] });
    const r = redback(['agent', 'snapshot', '--config', '../../etc/agent.yaml', '--instance', 'main', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(r.stdout) as { path: string };
    expect(manifest.path.startsWith(join(confDir, 'backups', 'main', 'manual') + '/')).toBe(true);
    expect(existsSync(manifest.path)).toBe(true);
    expect(existsSync(join(elsewhere, 'backups'))).toBe(false);
    expect(readdirSync(elsewhere)).toEqual([]);
    // The same config from its own directory and by absolute path: the same backup directory.
    const list = redback(['agent', 'list', '--config', config, '--json'], tmp.path);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(list.stdout))).toContain(manifest.path);
  });
});
