import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withInstanceLock } from '../../agent/store/instance-lock.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { ROOT, runCli, runCliJson } from '../helpers/cli.js';
import { TestRedisServer, waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const LOCK_MODULE = pathToFileURL(join(ROOT, 'dist', 'agent', 'store', 'instance-lock.js')).href;

/**
 * A contender: takes the lock `rounds` times (waiting for it), and inside checks it is alone by
 * creating a marker file exclusively; a second holder would find the marker and record it.
 */
const CONTENDER = `
import { openSync, closeSync, unlinkSync, appendFileSync } from 'node:fs';
const { withInstanceLock } = await import(process.argv[1]);
const [lock, marker, log, rounds] = process.argv.slice(2);
for (let i = 0; i < Number(rounds); i++) {
  await withInstanceLock(lock, 'contend', async () => {
    let fd;
    try { fd = openSync(marker, 'wx'); } catch { appendFileSync(log, 'OVERLAP ' + process.pid + '\\n'); return; }
    appendFileSync(log, 'in ' + process.pid + '\\n');
    await new Promise((r) => setTimeout(r, 2));
    closeSync(fd); unlinkSync(marker);
  }, { waitMs: 60000 });
}
`;

const HOLDER = `
const { acquireInstanceLock } = await import(process.argv[1]);
await acquireInstanceLock(process.argv[2], 'holder');
console.log('held');
setInterval(() => {}, 1000);
`;

function node(script: string, args: string[]) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, LOCK_MODULE, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, exited, output: () => out };
}

describe('one holder per instance: flock across real processes', () => {
  const tmp = makeTempDir();

  afterAll(() => tmp.cleanup());

  it('8 processes × 25 rounds contend: never two holders at once', async () => {
    const lock = join(tmp.path, 'inst', '.lock');
    const marker = join(tmp.path, 'marker');
    const log = join(tmp.path, 'log');
    writeFileSync(log, '');
    const procs = Array.from({ length: 8 }, () => node(CONTENDER, [lock, marker, log, '25']));
    const codes = await Promise.all(procs.map((p) => p.exited));
    expect(codes, procs.map((p) => p.output()).join('\n')).toEqual(Array(8).fill(0));
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    expect(lines.filter((l) => l.startsWith('OVERLAP'))).toEqual([]);
    expect(lines.length).toBe(200);
  }, 120_000);

  it('LOCKED names the holder; a holder killed with -9 releases the lock at once (the OS does it)', async () => {
    const lock = join(tmp.path, 'inst2', '.lock');
    const holder = node(HOLDER, [lock]);
    await waitFor(() => holder.output().includes('held'), 20_000);
    const err = await withInstanceLock(lock, 'snapshot', async () => 'ran').catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('LOCKED');
    expect((err as Error).message).toMatch(new RegExp(`holder, pid ${holder.child.pid}`));
    expect((err as { exitCode: number }).exitCode).toBe(10);
    holder.child.kill('SIGKILL');
    await holder.exited;
    expect(await withInstanceLock(lock, 'snapshot', async () => 'ran')).toBe('ran');
    expect(existsSync(lock)).toBe(true); // never unlinked: nothing to race on
  }, 60_000);

  it('is re-entrant in one async chain, exclusive between two chains of one process', async () => {
    const lock = join(tmp.path, 'inst3', '.lock');
    const nested = await withInstanceLock(lock, 'outer', () => withInstanceLock(lock, 'inner', async () => 'nested ok'));
    expect(nested).toBe('nested ok');
    let release!: () => void;
    const outer = withInstanceLock(lock, 'a', () => new Promise<void>((r) => (release = r)));
    await waitFor(() => release !== undefined);
    const other = await withInstanceLock(lock, 'b', async () => 'ran').catch((e: unknown) => e);
    expect((other as { code: string }).code).toBe('LOCKED');
    release();
    await outer;
  });
});

describe('prune and snapshot under the lock (real redis-server, real CLI)', () => {
  const tmp = makeTempDir();
  let redis: TestRedisServer;
  let config: string;
  const backupDir = join(tmp.path, 'backups');

  beforeAll(async () => {
    redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
    const c = redis.client();
    for (let i = 0; i < 200; i++) await c.set(`k${i}`, 'v'.repeat(100));
    config = writeAgentConfig(tmp.path, { backupDir, instances: [{ name: 'main', url: redis.url }] });
  });

  afterAll(async () => {
    await redis.stop();
    tmp.cleanup();
  });

  it('prune vs prune and snapshot vs prune: each succeeds or exits 10 cleanly, and no committed copy is lost', async () => {
    for (let round = 0; round < 3; round++) {
      const [a, b, s] = await Promise.all([
        runCli(['agent', 'prune', '--config', config]),
        runCli(['agent', 'prune', '--config', config]),
        runCli(['agent', 'snapshot', '--config', config, '--instance', 'main', '--tier', 'hourly', '--json']),
      ]);
      for (const r of [a, b]) {
        expect([0, 10], r.stderr).toContain(r.code);
        if (r.code === 10) expect(r.stderr).toMatch(/another redback operation holds the lock .*pid \d+/);
      }
      const list = await runCliJson(['agent', 'list', '--config', config, '--json']);
      if (s.code === 0) {
        // A committed copy is never lost to the racing prune: it is listed and verifies.
        expect(list.json.copies.map((c: { id: string }) => c.id)).toContain(JSON.parse(s.stdout).id);
      } else {
        expect(s.code, s.stderr).toBe(10);
      }
      const verify = await runCli(['agent', 'verify', '--config', config]);
      expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    }
  }, 180_000);
});
