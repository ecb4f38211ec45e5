import { readFileSync, truncateSync, statSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InstanceWatch } from '../../agent/state/instance-watch.js';
import { takeSnapshot } from '../../agent/snapshot/take-snapshot.js';
import { closeSync, openSync, writeSync } from 'node:fs';
import { waitRewriteDone } from '../aof/aof-fixture.js';
import { portAcceptsConnections } from '../../agent/control/index.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, configGet, confAppendonly, Drill, fingerprint, keyCount } from './drill-fixture.js';

/**
 * Drills S8 and S9 on real redis-server processes: data of every type written with appendonly yes
 * and appendfsync always, the failure inflicted, then `redback agent recover --yes` through the
 * CLI. Afterwards every key is compared with what was written up to the recovery point.
 */
describe('recovery drills: process crash (S8) and machine crash with a torn AOF (S9)', () => {
  const tmp = makeTempDir('redback-drill-aof-');
  const drills: Drill[] = [];
  afterAll(async () => {
    for (const d of drills) await d.cleanup();
    tmp.cleanup();
  });

  it('S8: kill -9 of redis → recover picks restart, every key comes back, redis keeps running after the CLI exits', async () => {
    const drill = await Drill.create(join(tmp.path, 's8'));
    drills.push(drill);
    await drill.fill('s8');
    const ctx = drill.ctx();
    const watched = await new InstanceWatch(ctx).pollOnce();
    expect(watched[0]!.seen?.keys).toBeGreaterThan(250);
    const expected = await captureDataset(drill.port);
    expect(keyCount(expected)).toBe(watched[0]!.seen!.keys);
    await drill.crash();

    const before = fingerprint(drill.redisDir);
    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Scenario:\s+process-down \(S8\)/);
    expect(dry.stdout).toMatch(/Runbook:\s+restart/);
    expect(dry.stdout).toMatch(/ 3\. start-redis: /);
    expect(dry.stdout).toMatch(/dry run: nothing was changed/);
    expect(fingerprint(drill.redisDir)).toEqual(before);
    expect(await portAcceptsConnections('127.0.0.1', drill.port)).toBe(false);

    const run = await drill.cli(['recover', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/\[3\/5\] start-redis/);
    expect(run.stdout).toMatch(/Report: run \S+-restart-\S+ SUCCEEDED/);
    expect(run.stdout).toMatch(new RegExp(`${keyCount(expected)} keys now .*; ${keyCount(expected)} last seen at`));
    // the CLI has exited; the redis it started under process control still serves the data
    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    expect(confAppendonly(drill.confPath)).toBe('yes');
  });

  it('S9: kill -9 plus a torn last AOF file → recover picks repair-aof, cuts the torn command (original kept), every earlier key comes back', async () => {
    const drill = await Drill.create(join(tmp.path, 's9'));
    drills.push(drill);
    await drill.fill('s9');
    const expected = await captureDataset(drill.port);
    const c = drill.client(3);
    await c.set('s9:last-command', 'x'.repeat(300)); // the write the crash tears
    c.disconnect();
    await drill.crash();
    const manifest = readFileSync(join(drill.aofDir, 'appendonly.aof.manifest'), 'utf8');
    const lastIncr = [...manifest.matchAll(/file (\S+) seq \d+ type i/g)].pop()![1]!;
    const incrPath = join(drill.aofDir, lastIncr);
    const size = statSync(incrPath).size;
    truncateSync(incrPath, size - 120); // mid-command, as a power cut leaves it

    const before = fingerprint(drill.redisDir);
    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Scenario:\s+aof-damaged \(S9\)/);
    expect(dry.stdout).toMatch(/Runbook:\s+repair-aof/);
    expect(dry.stdout).toMatch(/fix-aof: redis-check-aof .*--fix/);
    expect(fingerprint(drill.redisDir)).toEqual(before);

    const run = await drill.cli(['recover', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.diagnosis.scenario).toBe('aof-damaged');
    expect(out.report.status).toBe('succeeded');
    const fix = out.report.aofFix;
    expect(fix.file).toBe(lastIncr);
    expect(fix.bytesCut).toBeGreaterThan(0);
    expect(fix.bytesCut).toBeLessThan(size);
    expect(fix.bytesBefore - fix.bytesAfter).toBe(fix.bytesCut);
    // the untouched original is kept in the run's quarantine folder inside the redis dir
    expect(fix.originalCopy.startsWith(join(drill.redisDir, 'redback-quarantine'))).toBe(true);
    expect(statSync(join(fix.originalCopy, lastIncr)).size).toBe(size - 120);
    expect(existsSync(join(fix.originalCopy, 'REASON.json'))).toBe(true);

    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    expect(confAppendonly(drill.confPath)).toBe('yes');
  });

  it('check-aof on its own: exit 8 while damaged, --fix repairs (original kept), then the AOF is valid', async () => {
    const drill = await Drill.create(join(tmp.path, 'check'));
    drills.push(drill);
    await drill.fill('ck');
    await drill.crash();
    const manifest = readFileSync(join(drill.aofDir, 'appendonly.aof.manifest'), 'utf8');
    const lastIncr = [...manifest.matchAll(/file (\S+) seq \d+ type i/g)].pop()![1]!;
    truncateSync(join(drill.aofDir, lastIncr), statSync(join(drill.aofDir, lastIncr)).size - 7);

    const check = await drill.cli(['check-aof', '--json']);
    expect(check.code).toBe(8);
    expect(JSON.parse(check.stdout)).toMatchObject({ status: 'truncated-last-file', ok: false, fixable: true });
    const fix = await drill.cli(['check-aof', '--fix']);
    expect(fix.code, fix.stderr).toBe(0);
    expect(fix.stdout).toMatch(/fixed: cut \d+ bytes off/);
    expect(readdirSync(join(drill.redisDir, 'redback-quarantine')).some((f) => f.endsWith('-aof-fix'))).toBe(true);
    const again = await drill.cli(['check-aof']);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/AOF is valid/);
  });

  it('damage in an earlier AOF file: repair-aof refuses naming the file and the restore that would replace it; recover restores instead', async () => {
    const drill = await Drill.create(join(tmp.path, 'earlier'));
    drills.push(drill);
    await drill.fill('ea');
    const c = drill.client();
    await c.bgrewriteaof();
    await waitRewriteDone(c);
    const ctx = drill.ctx();
    const copy = (await takeSnapshot(ctx, drill.instance(ctx), { tier: 'hourly' })).manifest;
    const expected = await captureDataset(drill.port);
    await c.set('ea:after-the-copy', 'in the incr file only');
    c.disconnect();
    await drill.crash();
    const manifest = readFileSync(join(drill.aofDir, 'appendonly.aof.manifest'), 'utf8');
    const base = /file (\S+) seq \d+ type b/.exec(manifest)![1]!;
    const fd = openSync(join(drill.aofDir, base), 'r+');
    writeSync(fd, Buffer.from('XXXXXXXXXXXXXXXX'), 0, 16, Math.floor(statSync(join(drill.aofDir, base)).size / 2));
    closeSync(fd);

    const before = fingerprint(drill.redisDir);
    const forced = await drill.cli(['recover', '--runbook', 'repair-aof', '--yes']);
    expect(forced.code).toBe(8);
    expect(forced.stderr).toContain(base);
    expect(forced.stderr).toMatch(new RegExp(`restore-local from local copy ${copy.id} \\(hourly\\) taken \\S+ ago`));
    expect(forced.stderr).toMatch(/nothing was changed/);
    const after = fingerprint(drill.redisDir);
    expect(Object.keys(after).filter((f) => !f.includes('redback-quarantine'))).toEqual(Object.keys(before));
    for (const f of Object.keys(before)) expect(after[f]).toBe(before[f]);

    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.stdout).toMatch(/Scenario:\s+aof-unrepairable \(S9\)/);
    expect(dry.stdout).toMatch(/Runbook:\s+restore-local/);
    const run = await drill.cli(['recover', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(confAppendonly(drill.confPath)).toBe('yes');
  });

  it('restart reports the key count against the last one seen, and warns loudly about a large loss', async () => {
    const drill = await Drill.create(join(tmp.path, 'loss'));
    drills.push(drill);
    await drill.fill('ls');
    const seen = (await new InstanceWatch(drill.ctx()).pollOnce())[0]!.seen!;
    const c = drill.client(3);
    await c.flushdb();
    c.disconnect();
    await drill.crash();
    const run = await drill.cli(['recover', '--yes', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout);
    expect(out.report.status).toBe('succeeded');
    expect(out.report.lastSeen.keys).toBe(seen.keys);
    expect(out.report.keys).toBe(seen.keys - seen.keyspace['3']!.keys);
    expect(out.report.warnings.join(' ')).toMatch(new RegExp(`confirm: ${seen.keyspace['3']!.keys} fewer keys than last seen`));
  });

  it('S8 on an RDB-only instance (appendonly no): a crash after a snapshot is a restart, not a restore', async () => {
    const drill = await Drill.create(join(tmp.path, 'rdb-only'), { appendonly: false });
    drills.push(drill);
    await drill.fill('ro');
    const ctx = drill.ctx();
    await takeSnapshot(ctx, drill.instance(ctx), { tier: 'hourly' }); // its BGSAVE writes dump.rdb too
    const expected = await captureDataset(drill.port);
    await drill.crash();
    const run = await drill.cli(['recover', '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Scenario:\s+process-down \(S8\)/);
    expect(run.stdout).toMatch(/Runbook:\s+restart/);
    expect(run.stdout).toMatch(/appendonly no: redis loads .*dump\.rdb/);
    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(await configGet(drill.port, 'appendonly')).toBe('no'); // as configured
  });
});
