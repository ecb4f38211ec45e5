import { linkSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealManifest, type CopyManifest } from '../../shared/manifest/copy-manifest.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { CliProcess } from '../helpers/cli-process.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { Drill } from '../recovery/drill-fixture.js';

/**
 * The adversary's script of issue 7 item 1, with real processes: Redis with the AOF on and 1000
 * keys, `agent run` on a fast schedule; Redis killed, its AOF directory deleted, restarted by hand
 * (the AOF trap: 0 keys). The daemon's next snapshots are refused, retention keeps the full copy,
 * and one `agent recover --yes` brings the 1000 keys back.
 */
function list1000(list: { json: { copies: Array<{ id: string; path: string; keys: Record<string, number> }> } }) {
  return list.json.copies.find((m) => Object.values(m.keys).reduce((a, b) => a + b, 0) === 1000)!;
}

describe('an emptied instance never wins (real redis-server, agent daemon, CLI)', () => {
  const tmp = makeTempDir();
  let drill: Drill;
  let daemon: CliProcess | null = null;
  let config: string;

  beforeAll(async () => {
    drill = await Drill.create(tmp.path, { appendonly: true, extraConfig: ['enable-debug-command local'] });
    config = writeAgentConfig(tmp.path, {
      backupDir: drill.backupDir,
      // A copy every 2 seconds; every copy lands in the same hour bucket, so without the key-drop
      // rule each new copy would supersede the one before it.
      schedules: { hourly: '*/2 * * * * *', daily: null },
      instances: [{ name: drill.name, url: `redis://127.0.0.1:${drill.port}`, configFile: drill.confPath, control: { type: 'process' } }],
    }, 'adversary.yaml');
  });

  afterAll(async () => {
    await daemon?.stop();
    await drill.cleanup();
    tmp.cleanup();
  });

  it('refuses the empty snapshot, keeps the full copy, and recover restores the 1000 keys', async () => {
    const c = drill.client();
    const pipe = c.pipeline();
    for (let i = 0; i < 1000; i++) pipe.set(`key:${i}`, `value-${i}`);
    await pipe.exec();
    expect(await c.dbsize()).toBe(1000);
    const digest = await c.call('DEBUG', 'DIGEST');
    c.disconnect();

    daemon = new CliProcess(['agent', 'run', '--config', config]);
    await daemon.waitForLog((l) => l.msg === 'scheduled copy done', 30_000);

    // The trap: kill -9, the AOF directory deleted, Redis started again by hand with the same redis.conf.
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true, force: true });
    await drill.server!.startProcess();
    const empty = drill.client();
    expect(await empty.dbsize()).toBe(0);
    empty.disconnect();

    // The daemon goes on with its schedule: every snapshot of the emptied instance is refused.
    const refused = await daemon.waitForLog((l) => l.msg === 'scheduled copy failed' && l.code === 'UNSAFE_REFUSED', 30_000);
    expect(String(refused.err)).toMatch(/redis has 0 keys, the last count seen was 1000/);
    expect(String(refused.hint)).toMatch(/--force/);
    // The hint names this daemon's config file, so it can be pasted as it is.
    expect(String(refused.hint)).toContain(`redback agent recover --config ${config} --instance `);
    expect(String(refused.hint)).toContain(`redback agent snapshot --config ${config} --instance `);
    await waitFor(() => daemon!.logs().filter((l) => l.code === 'UNSAFE_REFUSED').length >= 2, 30_000, 100);
    expect(daemon.logs().some((l) => l.msg === 'retention deleted copy' && daemon!.logs().indexOf(l) > daemon!.logs().indexOf(refused))).toBe(false);
    await daemon.stop();
    daemon = null;

    const list = await runCliJson(['agent', 'list', '--config', config, '--json']);
    const keys = list.json.copies.map((m: { keys: Record<string, number> }) => Object.values(m.keys).reduce((a, b) => a + b, 0));
    expect(keys.length).toBeGreaterThan(0);
    expect(keys).toContain(1000);
    expect(keys).not.toContain(0);

    // A manual snapshot without --force is refused too, naming both counts (exit 9).
    const manual = await runCli(['agent', 'snapshot', '--config', config, '--instance', drill.name]);
    expect(manual.code).toBe(9);
    expect(manual.stderr).toMatch(/0 keys.*1000/);
    expect(manual.stderr).toMatch(/--force/);

    const run = await runCli(['agent', 'recover', '--config', config, '--instance', drill.name, '--yes'], { timeoutMs: 120_000 });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const back = drill.client();
    try {
      expect(await back.dbsize()).toBe(1000);
      expect(await back.call('DEBUG', 'DIGEST')).toBe(digest);
    } finally {
      back.disconnect();
    }
  }, 180_000);

  it('an intended FLUSHALL needs --force; the forced empty copy never supersedes the full one, and recover never picks it', async () => {
    const c = drill.client();
    await c.flushall();
    c.disconnect();
    const refused = await runCli(['agent', 'snapshot', '--config', config, '--instance', drill.name, '--tier', 'hourly']);
    expect(refused.code).toBe(9);
    const forced = await runCliJson(['agent', 'snapshot', '--config', config, '--instance', drill.name, '--tier', 'hourly', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json.keys).toEqual({});
    expect(forced.json.pruned).toEqual([]);

    const dry = await runCli(['agent', 'prune', '--config', config, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/KEYS/);
    expect(dry.stdout).toMatch(/1000\s+keep\s+.*is far smaller \(1000 → 0 keys/);

    // A newer full copy written by a Redis this server cannot load (RDB 12 > 10 for 7.0) is
    // skipped for that reason; the forced empty copy and dump.rdb are set aside as collapsed; the
    // restore source is the full copy.
    const full = list1000(await runCliJson(['agent', 'list', '--config', config, '--json']));
    const future = '20300101T000000Z-f00f00';
    const hourly = join(drill.backupDir, drill.name, 'hourly');
    linkSync(full.path, join(hourly, `${future}.rdb`));
    const { checksum: _c, ...body } = JSON.parse(readFileSync(full.path.replace(/\.rdb$/, '.manifest.json'), 'utf8')) as CopyManifest;
    const v12 = sealManifest({ ...body, id: future, file: `${future}.rdb`, path: join(hourly, `${future}.rdb`), rdbVersion: 12, pinned: true, snapshotAt: '2030-01-01T00:00:00.000Z' });
    writeFileSync(join(hourly, `${future}.manifest.json`), JSON.stringify(v12));
    const plan = await runCliJson(['agent', 'recover', '--config', config, '--instance', drill.name, '--dry-run', '--json']);
    expect(plan.code, plan.stderr).toBe(0);
    const d = plan.json.diagnosis;
    expect(d.source.keys).toBe(1000);
    const emptyCopy = d.candidates.find((x: { id: string }) => x.id === forced.json.id);
    expect(emptyCopy.usable).toBe(false);
    expect(emptyCopy.why).toMatch(/holds 0 keys, far below 1000/);
    const tooNew = d.candidates.find((x: { id: string }) => x.id === future);
    expect(tooNew.usable).toBe(false);
    expect(tooNew.why).toMatch(/RDB format 12, but redis 7\.0\.\d+ .* loads at most 10/);
    expect(d.source.id).toBe(full.id);
  }, 120_000);
});
