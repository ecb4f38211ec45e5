import { appendFileSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { portAcceptsConnections } from '../../agent/control/index.js';
import { diagnose } from '../../agent/recovery/diagnose.js';
import { controllerFor } from '../../agent/recovery/instance-control.js';
import { planRecovery } from '../../agent/recovery/plan.js';
import { localCopySource, type RestoreSource } from '../../agent/recovery/sources.js';
import { JournalStore } from '../../agent/runbooks/journal.js';
import { DEFAULT_RECOVERY_TIMEOUTS } from '../../agent/recovery/recovery-steps.js';
import { restoreRunbook, restoreState } from '../../agent/recovery/restore.js';
import { runJournalOf, RunbookRunner } from '../../agent/runbooks/runner.js';
import { takeSnapshot } from '../../agent/snapshot/take-snapshot.js';
import { silentLogger } from '../../shared/log/logger.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { captureDataset, configGet, confAppendonly, Drill, sha256File, type Dataset } from './drill-fixture.js';

/** sha256 of every file under dir except the quarantine folder (contents only, not times). */
function contents(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.name === 'redback-quarantine' || e.name === 'redis.log') continue;
      if (e.isDirectory()) walk(p);
      else out[p] = sha256File(p);
    }
  };
  walk(dir);
  return out;
}

/**
 * A restore that goes wrong never leaves the instance worse than before: pre-flight failures and
 * bad copies stop before Redis is touched; a failure after the files were swapped is rolled back
 * (originals back, Redis running again if it was); an interrupted run can be resumed or undone.
 */
describe('recovery failures, rollback and resume', () => {
  const tmp = makeTempDir('redback-drill-fail-');
  const drills: Drill[] = [];
  afterAll(async () => {
    for (const d of drills) await d.cleanup();
    tmp.cleanup();
  });

  /** Data, a local copy, then a crash and the AOF directory deleted (the trap state). */
  async function trapState(name: string): Promise<{ drill: Drill; expected: Dataset }> {
    const drill = await Drill.create(join(tmp.path, name));
    drills.push(drill);
    await drill.fill(name);
    const ctx = drill.ctx();
    await takeSnapshot(ctx, drill.instance(ctx), { tier: 'manual' });
    const expected = await captureDataset(drill.port);
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true });
    return { drill, expected };
  }

  it('pre-flight failure (used-mem above maxmemory) reports every check and changes nothing', async () => {
    const { drill, expected } = await trapState('preflight');
    appendFileSync(drill.confPath, 'maxmemory 100kb\n');
    const before = contents(drill.redisDir);
    const run = await drill.cli(['recover', '--yes']);
    expect(run.code).toBe(9);
    expect(run.stderr).toMatch(/pre-flight for the restore of drill failed: maxmemory: the snapshot used .* but maxmemory is 100\.0 KiB/);
    expect(run.stderr).toMatch(/HINT: raise maxmemory/);
    expect(run.stdout).toMatch(/ok\s+rdb-version: RDB format 10/); // every check is reported
    expect(run.stdout).toMatch(/FAIL maxmemory/);
    expect(contents(drill.redisDir)).toEqual(before);
    expect(existsSync(join(drill.redisDir, 'redback-quarantine'))).toBe(false);
    expect(readdirSync(drill.redisDir).filter((f) => f.startsWith('.redback-restore'))).toEqual([]);
    expect(await portAcceptsConnections('127.0.0.1', drill.port)).toBe(false);

    // with the limit fixed, the same command recovers
    writeFileSync(drill.confPath, readFileSync(drill.confPath, 'utf8').replace('maxmemory 100kb\n', ''));
    const again = await drill.cli(['recover', '--yes']);
    expect(again.code, again.stdout + again.stderr).toBe(0);
    expect(await captureDataset(drill.port)).toEqual(expected);
  });

  it('a copy corrupted after the diagnosis fails its verification before redis is touched; nothing changes', async () => {
    const { drill } = await trapState('corrupt');
    const ctx = drill.ctx();
    const instance = drill.instance(ctx);
    const diagnosis = await diagnose(ctx, instance);
    expect(diagnosis.runbook).toBe('restore-local');
    const plan = (await planRecovery(ctx, instance, { ...diagnosis, source: diagnosis.candidates.find((c) => c.kind === 'local-copy')! }))!;
    const copy = (await ctx.store.inventory(instance.name)).copies[0]!;
    const fd = openSync(copy.rdbFile, 'r+');
    writeSync(fd, Buffer.from('garbage!'), 0, 8, Math.floor(statSync(copy.rdbFile).size / 2));
    closeSync(fd);
    const before = contents(drill.redisDir);

    const err = await new RunbookRunner(new JournalStore(ctx.layout.agentStateDir()), silentLogger).run(plan.runbook, instance.name, plan.state).catch((e: unknown) => e);
    expect((err as { code: string }).code).toMatch(/VERIFY_FAILED|RDB_CORRUPT/);
    const journal = runJournalOf(err)!;
    expect(journal.status).toBe('rolled-back');
    expect(journal.steps.find((s) => s.name === 'fetch-and-verify')!.status).toBe('rolled-back');
    expect(journal.steps.find((s) => s.name === 'stop-redis')!.status).toBe('pending');
    expect(contents(drill.redisDir)).toEqual(before);
    expect(readdirSync(drill.redisDir).filter((f) => f.startsWith('.redback-restore'))).toEqual([]);
    expect(await portAcceptsConnections('127.0.0.1', drill.port)).toBe(false);
    // the bad copy is quarantined, so the next recover does not offer it again
    expect((err as { hint: string }).hint).toMatch(/run recover again to restore the next newest copy/);
    expect((await ctx.store.inventory(instance.name)).copies).toEqual([]);
    expect(existsSync(copy.rdbFile)).toBe(false);
  });

  it('a failure after redis was stopped and the files swapped is rolled back: originals back, redis running again with its data', async () => {
    const drill = await Drill.create(join(tmp.path, 'rollback'));
    drills.push(drill);
    await drill.fill('rb');
    const ctx = drill.ctx();
    const instance = drill.instance(ctx);
    await takeSnapshot(ctx, instance, { tier: 'manual' });
    const c = drill.client();
    await c.set('rb:written-after-the-copy', 'must survive the failed restore');
    c.disconnect();
    const expected = await captureDataset(drill.port);
    const before = contents(drill.redisDir);

    // A source whose manifest promises more keys than its RDB holds: the load check fails late.
    const copy = (await ctx.store.inventory(instance.name)).copies[0]!;
    const real = localCopySource(ctx, copy);
    const lying: RestoreSource = { ...real, expected: { ...real.expected, keys: { ...real.expected.keys, '0': (real.expected.keys['0'] ?? 0) + 5 } } };
    const diagnosis = await diagnose(ctx, instance);
    expect(diagnosis.scenario).toBe('healthy');
    const deps = { ctx, instance, controller: controllerFor(ctx, instance, diagnosis.facts), timeouts: DEFAULT_RECOVERY_TIMEOUTS };
    const err = await new RunbookRunner(new JournalStore(ctx.layout.agentStateDir()), silentLogger)
      .run(restoreRunbook(deps, lying), instance.name, restoreState(diagnosis.facts, null, lying))
      .catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe('RESTORE_FAILED');
    const journal = runJournalOf(err)!;
    expect(journal.status).toBe('rolled-back');
    expect(journal.steps.map((s) => `${s.name}:${s.status}`)).toContain('verify-keys:rolled-back');
    expect(journal.steps.find((s) => s.name === 'stop-redis')!.notes.join(' ')).toMatch(/started again as it was/);

    // redis runs again (it was running) with everything, including the write after the copy
    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    expect(contents(drill.redisDir)).toEqual(before);
    // the restored file was moved aside, not deleted
    const runDir = join(drill.redisDir, 'redback-quarantine', journal.runId);
    expect(existsSync(join(runDir, 'rolled-back', 'dump.rdb'))).toBe(true);
  });

  it('an interrupted restore is offered for --resume (which finishes it), and refused as a new run meanwhile', async () => {
    const { drill, expected } = await trapState('resume');
    await interrupt(drill);

    const dry = await drill.cli(['recover', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Scenario:\s+interrupted-run/);
    expect(dry.stdout).toMatch(/--resume .* --rollback/);
    const refused = await drill.cli(['recover', '--yes']);
    expect(refused.code).toBe(9);
    expect(refused.stderr).toMatch(/did not finish/);

    const resumed = await drill.cli(['recover', '--resume', '--yes']);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/\[7\/11\] start-aof-off/);
    expect(resumed.stdout).not.toMatch(/\[2\/11\] fetch-and-verify/);
    expect(resumed.stdout).toMatch(/SUCCEEDED/);
    expect(await captureDataset(drill.port)).toEqual(expected);
    expect(confAppendonly(drill.confPath)).toBe('yes');
  }, 180_000); // five CLI runs and two redis loads: slow on a loaded 2-core box

  it('an interrupted restore can be rolled back instead: the original files return', async () => {
    const { drill } = await trapState('undo');
    const dumpBefore = sha256File(drill.rdbFile);
    await interrupt(drill);
    expect(existsSync(drill.rdbFile)).toBe(true); // the restored copy was placed
    const undone = await drill.cli(['recover', '--rollback', '--yes']);
    expect(undone.code, undone.stdout + undone.stderr).toBe(0);
    expect(undone.stdout).toMatch(/ROLLED-BACK/);
    expect(sha256File(drill.rdbFile)).toBe(dumpBefore);
    expect(existsSync(drill.aofDir)).toBe(false); // as it was: still to be recovered
    expect(await portAcceptsConnections('127.0.0.1', drill.port)).toBe(false);
    const after = await drill.cli(['recover', '--dry-run']);
    expect(after.stdout).toMatch(/Scenario:\s+aof-lost/);
  }, 180_000);

  /** Runs restore-local in-process and "kills" it as it is about to start redis (files already swapped). */
  async function interrupt(drill: Drill): Promise<void> {
    const ctx = drill.ctx();
    const instance = drill.instance(ctx);
    const plan = (await planRecovery(ctx, instance, await diagnose(ctx, instance)))!;
    const err = await new RunbookRunner(new JournalStore(ctx.layout.agentStateDir()), silentLogger)
      .run(plan.runbook, instance.name, plan.state, {
        onEvent: (e) => {
          if (e.status === 'started' && e.step === 'start-aof-off') throw new Error('killed');
        },
      })
      .catch((e: unknown) => e);
    expect((err as Error).message).toBe('killed');
    const open = await new JournalStore(ctx.layout.agentStateDir()).unfinished(instance.name);
    expect(open?.status).toBe('running');
  }
});
