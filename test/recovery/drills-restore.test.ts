import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portAcceptsConnections } from '../../agent/control/index.js';
import { InstanceWatch } from '../../agent/state/instance-watch.js';
import { takeSnapshot } from '../../agent/snapshot/take-snapshot.js';
import { readRdbFile } from '../../shared/rdb/index.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, configGet, confAppendonly, Drill, fingerprint, keyCount, sha256File, type Dataset } from './drill-fixture.js';

/**
 * Drills S10 and the trap (S12) on real redis-server processes, through the CLI. The recovery
 * point is the local copy: keys written after it are lost, every key written before comes back.
 */
describe('recovery drills: AOF lost (S10), AOF and RDB lost with local copies, the trap (S12)', () => {
  const tmp = makeTempDir('redback-drill-restore-');
  const drills: Drill[] = [];
  afterAll(async () => {
    for (const d of drills) await d.cleanup();
    tmp.cleanup();
  });

  /** Writes the dataset, takes a local copy (the recovery point), writes more, crashes. */
  async function prepare(name: string, extraConfig?: string[]): Promise<{ drill: Drill; expected: Dataset }> {
    const drill = await Drill.create(join(tmp.path, name), extraConfig ? { extraConfig } : {});
    drills.push(drill);
    await drill.fill(name);
    const ctx = drill.ctx();
    await new InstanceWatch(ctx).pollOnce();
    await takeSnapshot(ctx, drill.instance(ctx), { tier: 'hourly' });
    const expected = await captureDataset(drill.port);
    const c = drill.client(9);
    await c.set(`${name}:after-the-copy`, 'lost'); // written after the recovery point
    c.disconnect();
    return { drill, expected };
  }

  async function expectRecovered(drill: Drill, expected: Dataset): Promise<void> {
    const now = await captureDataset(drill.port);
    expect(keyCount(now)).toBe(keyCount(expected));
    expect(now).toEqual(expected);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    expect(confAppendonly(drill.confPath)).toBe('yes');
    expect(existsSync(join(drill.aofDir, 'appendonly.aof.manifest'))).toBe(true);
  }

  it('S10 / the trap: AOF directory deleted → start is refused, recover restores the newest RDB; dump.rdb is never overwritten by an empty dataset', async () => {
    const { drill, expected } = await prepare('trap');
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true });
    const dumpBefore = sha256File(drill.rdbFile);
    const dumpKeys = Object.values((await readRdbFile(drill.rdbFile)).databases).reduce((n, d) => n + d.keys, 0);
    expect(dumpKeys).toBe(keyCount(expected));

    // the guard: redback refuses to start it
    const start = await drill.cli(['start']);
    expect(start.code).toBe(9);
    expect(start.stderr).toMatch(/REFUSING TO START drill: AOF trap/);
    expect(sha256File(drill.rdbFile)).toBe(dumpBefore);
    expect(await portAcceptsConnections('127.0.0.1', drill.port)).toBe(false);

    const before = fingerprint(drill.redisDir);
    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/AOF trap\s+YES/);
    expect(dry.stdout).toMatch(/Scenario:\s+aof-lost \(S10\)/);
    expect(dry.stdout).toMatch(/Runbook:\s+restore-local/);
    expect(dry.stdout).toMatch(/Loss:\s+restoring it loses the writes made after/);
    for (const step of ['preflight', 'fetch-and-verify', 'stop-redis', 'move-aside', 'place-rdb', 'start-aof-off', 'wait-loaded', 'verify-keys', 'enable-aof', 'rewrite-config']) {
      expect(dry.stdout).toMatch(new RegExp(`\\d+\\. ${step}: `));
    }
    expect(fingerprint(drill.redisDir)).toEqual(before);
    expect(await portAcceptsConnections('127.0.0.1', drill.port)).toBe(false);

    const run = await drill.cli(['recover', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Report: run \S+-restore-local-\S+ SUCCEEDED/);
    expect(run.stdout).toMatch(/moved aside\s+\S+redback-quarantine\/\S+\/ \(nothing deleted\)/);
    await expectRecovered(drill, expected);

    // the dump.rdb that was there is in the quarantine folder, byte for byte
    const runs = readdirSync(join(drill.redisDir, 'redback-quarantine'));
    expect(runs).toHaveLength(1);
    const aside = join(drill.redisDir, 'redback-quarantine', runs[0]!, 'dump.rdb');
    expect(sha256File(aside)).toBe(dumpBefore);
    expect(existsSync(join(drill.redisDir, 'redback-quarantine', runs[0]!, 'REASON.json'))).toBe(true);
  });

  it('S10 with the RDB gone too: AOF directory and dump.rdb deleted, local copies left → restore from the newest copy', async () => {
    const { drill, expected } = await prepare('gone');
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true });
    rmSync(drill.rdbFile);

    const before = fingerprint(drill.redisDir);
    const dry = await drill.cli(['recover', '--dry-run', '--json']);
    expect(dry.code, dry.stderr).toBe(0);
    const plan = JSON.parse(dry.stdout);
    expect(plan.diagnosis.scenario).toBe('data-lost');
    expect(plan.diagnosis.source.kind).toBe('local-copy');
    expect(plan.diagnosis.source.verified).toBe(true);
    expect(plan.plan.runbook).toBe('restore-local');
    expect(plan.report).toBeNull();
    expect(fingerprint(drill.redisDir)).toEqual(before);

    const run = await drill.cli(['recover', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await expectRecovered(drill, expected);
  });

  it('the trap already sprang (redis up and empty, with save points): recover restores, and keeps the dump.rdb the shutdown save replaced', async () => {
    const { drill, expected } = await prepare('sprung', ['save 3600 1']);
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true });
    const dumpBefore = sha256File(drill.rdbFile);
    await drill.server!.startProcess(); // someone starts it by hand: the trap springs
    const c = drill.client();
    expect(await c.dbsize()).toBe(0);
    const runId = /run_id:(\w+)/.exec((await c.info('server')) as string)![1];

    const before = fingerprint(drill.redisDir);
    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Scenario:\s+empty-after-trap \(S12\)/);
    expect(dry.stdout).toMatch(/Runbook:\s+restore-local/);
    // the running (empty) redis and its files are left exactly as they were
    expect(fingerprint(drill.redisDir)).toEqual(before);
    expect(/run_id:(\w+)/.exec((await c.info('server')) as string)![1]).toBe(runId);
    expect(await c.dbsize()).toBe(0);
    c.disconnect();

    const run = await drill.cli(['recover', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await expectRecovered(drill, expected);
    // the empty server saved over dump.rdb when it was stopped; the link taken before the stop kept the data
    const runDir = join(drill.redisDir, 'redback-quarantine', readdirSync(join(drill.redisDir, 'redback-quarantine'))[0]!);
    expect(sha256File(join(runDir, 'dump.rdb.before-stop'))).toBe(dumpBefore);
    expect(existsSync(join(runDir, 'appendonlydir'))).toBe(true); // the empty AOF the trap created, moved aside
  });

  it('a dump.rdb that holds keys is never skipped as "written by the running, empty redis" (the trap sprang, data written, saved, then flushed)', async () => {
    const drill = await Drill.create(join(tmp.path, 'saved-after-start'));
    drills.push(drill);
    await drill.fill('s');
    await new InstanceWatch(drill.ctx()).pollOnce();
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true });
    await drill.server!.startProcess(); // the trap springs: redis starts empty
    await drill.fill('s'); // the data is written again and saved by this (running) redis...
    const c = drill.client();
    await c.call('SAVE');
    const expected = await captureDataset(drill.port);
    await c.flushall(); // ...then lost: no local copy exists, only dump.rdb holds it
    expect(await c.dbsize()).toBe(0);
    c.disconnect();

    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).not.toMatch(/written by the running, empty redis/);
    expect(dry.stdout).toMatch(/Source:\s+dump\.rdb/);
    const run = await drill.cli(['recover', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    await expectRecovered(drill, expected);
  });

  it('S10 under exec control: appendonly no is written to redis.conf for the load (original kept), CONFIG REWRITE turns it back to yes', async () => {
    const { drill, expected } = await prepare('exec');
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true });
    const redisCli = `redis-cli -p ${drill.port}`;
    writeAgentConfig(drill.root, {
      backupDir: drill.backupDir,
      schedules: { hourly: null, daily: null },
      instances: [
        {
          name: drill.name,
          url: `redis://127.0.0.1:${drill.port}`,
          configFile: drill.confPath,
          control: { type: 'exec', start: `redis-server ${drill.confPath} --daemonize yes --pidfile ${join(drill.redisDir, 'redis.pid')}`, stop: `${redisCli} shutdown` },
        },
      ],
    });
    const confBefore = readFileSync(drill.confPath, 'utf8');
    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.stdout).toMatch(/aof-off-for-load: write appendonly no into .*redis\.conf for the load/);
    expect(readFileSync(drill.confPath, 'utf8')).toBe(confBefore);

    const run = await drill.cli(['recover', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout).report;
    expect(report.status).toBe('succeeded');
    expect(readFileSync(report.confBackup, 'utf8')).toBe(confBefore); // the original, as it was
    const notes = report.steps.find((s: { name: string }) => s.name === 'aof-off-for-load').notes.join(' ');
    expect(notes).toMatch(/appendonly no written to/);
    await expectRecovered(drill, expected);
  });
});
