import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { portAcceptsConnections } from '../../agent/control/index.js';
import { JournalStore } from '../../agent/runbooks/journal.js';
import { InstanceWatch } from '../../agent/state/instance-watch.js';
import { takeSnapshot } from '../../agent/snapshot/take-snapshot.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { configGet, Drill } from './drill-fixture.js';

/**
 * Crash points: every runbook is killed (SIGKILL, through the REDBACK_FAILPOINT failpoints of
 * shared/testing/failpoints.ts, so at exactly that point and never by timing) at every step
 * boundary and inside every move of a live file, running the real CLI against a real
 * redis-server. Then `--resume` and, in a second round, `--rollback` must each end with every key
 * back (DEBUG DIGEST equal to the digest before), Redis running, and the right exit code: 0, or 16
 * (NEEDS_ATTENTION) for a rollback stopped by the point of no return, after which `--resume`
 * finishes the run.
 */

const KILLED = 128; // runCli: the process died of a signal
const NEEDS_ATTENTION = 16;

const RESTORE_STEPS = ['preflight', 'fetch-and-verify', 'stop-redis', 'move-aside', 'place-rdb', 'aof-off-for-load', 'start-aof-off', 'wait-loaded', 'verify-keys', 'enable-aof', 'rewrite-config'];
const RESTORE_MOVES = ['rdb', 'aof-dir', 'place-rdb'];
/** Killed here, enable-aof is journaled done: a rollback stops at the point of no return. */
const PAST_NO_RETURN = new Set(['step:rewrite-config:before', 'step:rewrite-config:after']);
/** Redis is also killed (a reboot) after these, so --resume has to start it again. */
const REBOOT_TOO = new Set(['step:verify-keys:before', 'step:rewrite-config:before']);
const RESTART_STEPS = ['trap-guard', 'check-aof', 'start-redis', 'wait-loaded', 'confirm'];
const REPAIR_STEPS = ['trap-guard', 'ensure-stopped', 'fix-aof', 'start-redis', 'wait-loaded', 'confirm'];

/** Both sides of every step boundary (journaled `running` with nothing done; work done but not journaled `done`) and of every move's rename. */
function killPoints(steps: string[], moves: string[] = []): string[] {
  return [...steps.flatMap((s) => [`step:${s}:before`, `step:${s}:after`]), ...moves.flatMap((m) => [`move:${m}:before-rename`, `move:${m}:after-rename`])];
}

/**
 * Every step boundary once: before the first step, and after each step's work before it is
 * journaled done. For restart and repair-aof, whose steps move nothing and have no rollback, a kill
 * at `step:<next>:before` leaves the same files and Redis as one at `step:<prev>:after` (the next
 * step re-runs either way); the restore, with its moves and rollbacks, is killed on both sides.
 */
function boundaries(steps: string[]): string[] {
  return [`step:${steps[0]}:before`, ...steps.map((s) => `step:${s}:after`)];
}

describe.concurrent('crash points: kill -9 of the runbook anywhere, then --resume or --rollback brings every key back', () => {
  const tmp = makeTempDir('redback-crash-points-');
  const drills: Drill[] = [];
  afterAll(async () => {
    for (const d of drills) await d.cleanup();
    tmp.cleanup();
  });

  async function newDrill(name: string): Promise<Drill> {
    const drill = await Drill.create(join(tmp.path, name.replace(/[^a-z0-9-]/gi, '_')), { extraConfig: ['enable-debug-command yes'] });
    drills.push(drill);
    await fillSmall(drill);
    await new InstanceWatch(drill.ctx()).pollOnce(); // the agent has seen the keys
    return drill;
  }

  function cli(drill: Drill, args: string[], failpoint?: string): Promise<CliResult> {
    return runCli(['agent', 'recover', ...args, '--config', drill.configPath, '--instance', drill.name], {
      timeoutMs: 90_000,
      env: failpoint ? { REDBACK_FAILPOINT: failpoint } : { REDBACK_FAILPOINT: '' },
    });
  }

  async function killedAt(drill: Drill, args: string[], point: string): Promise<void> {
    const r = await cli(drill, args, point);
    expect(r.code, `expected a kill at ${point}\n${r.stdout}\n${r.stderr}`).toBe(KILLED);
  }

  async function expectOk(r: CliResult, code = 0): Promise<void> {
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(code);
  }

  /** Every key back, Redis running with the AOF on, and no run left unfinished. */
  async function expectIntact(drill: Drill, before: string): Promise<void> {
    expect(await digest(drill.port)).toBe(before);
    expect(await configGet(drill.port, 'appendonly')).toBe('yes');
    const ctx = drill.ctx();
    expect(await new JournalStore(ctx.layout.agentStateDir()).unfinished(drill.name)).toBeNull();
  }

  for (const point of killPoints(RESTORE_STEPS, RESTORE_MOVES)) {
    it(`restore from a local copy, killed at ${point}${REBOOT_TOO.has(point) ? ' (and redis with it)' : ''}`, async () => {
      const drill = await newDrill(`restore-${point}`);
      const ctx = drill.ctx();
      const copy = (await takeSnapshot(ctx, drill.instance(ctx), { tier: 'hourly' })).manifest;
      const before = await digest(drill.port);
      const restore = ['--backup', copy.id, '--yes'];

      // round 1: killed, then resumed
      await killedAt(drill, restore, point);
      if (REBOOT_TOO.has(point)) await crashRedis(drill);
      const resumed = await cli(drill, ['--resume', '--yes']);
      await expectOk(resumed);
      expect(resumed.stdout).toMatch(/SUCCEEDED/);
      await expectIntact(drill, before);

      // round 2: killed at the same point, then rolled back
      await killedAt(drill, restore, point);
      const undone = await cli(drill, ['--rollback', '--yes']);
      if (PAST_NO_RETURN.has(point)) {
        await expectOk(undone, NEEDS_ATTENTION);
        expect(undone.stderr).toMatch(/needs attention/);
        expect(undone.stderr).toMatch(/--resume.*--rollback.*--close/);
        expect(await digest(drill.port)).toBe(before); // the restored data serves meanwhile
        await expectOk(await cli(drill, ['--resume', '--yes']));
      } else {
        await expectOk(undone);
        expect(undone.stdout).toMatch(/ROLLED-BACK/);
        expect(undone.stdout).not.toMatch(/IN QUARANTINE/);
      }
      await expectIntact(drill, before);
    }, 180_000);
  }

  it('--close: a run killed with the live data in quarantine is shown (dry run changes nothing), closed as it stands, and recover goes on', async () => {
    const drill = await newDrill('close');
    const ctx = drill.ctx();
    const copy = (await takeSnapshot(ctx, drill.instance(ctx), { tier: 'hourly' })).manifest;
    const before = await digest(drill.port);
    await killedAt(drill, ['--backup', copy.id, '--yes'], 'move:aof-dir:after-rename');
    const journals = new JournalStore(ctx.layout.agentStateDir());
    const open = (await journals.unfinished(drill.name))!;
    expect(open.status).toBe('running');

    // a new run is refused, and the refusal names the three ways out
    const refused = await cli(drill, ['--yes']);
    expect(refused.code).toBe(9);
    expect(refused.stderr).toMatch(/--resume .*--rollback .*--close/);

    const dry = await cli(drill, ['--close', '--dry-run']);
    await expectOk(dry);
    expect(dry.stdout).toMatch(/Plan: restore-local \(close of run /);
    expect(dry.stdout).toMatch(/move-aside: \[running\]/);
    expect(dry.stdout).toMatch(new RegExp(`WARNING: ${drill.rdbFile.replace(/[.]/g, '\\.')} is in quarantine`));
    expect(dry.stdout).toMatch(new RegExp(`WARNING: ${drill.aofDir} is in quarantine`));
    expect((await journals.unfinished(drill.name))?.status).toBe('running');

    const closed = await cli(drill, ['--close', '--yes', '--json']);
    await expectOk(closed);
    const report = JSON.parse(closed.stdout).report;
    expect(report.status).toBe('closed');
    expect(report.closed.previousStatus).toBe('running');
    expect(report.steps.map((st: { status: string }) => st.status)).toEqual(['done', 'done', 'done', 'kept', 'kept', 'kept', 'kept', 'kept', 'kept', 'kept', 'kept']);
    expect(report.stillAside.map((m: { from: string }) => m.from).sort()).toEqual([drill.aofDir, drill.rdbFile].sort());
    expect(await journals.unfinished(drill.name)).toBeNull();

    // no unfinished run any more: recover diagnoses the instance as it is (AOF lost) and restores
    const again = await cli(drill, ['--yes']);
    await expectOk(again);
    expect(again.stdout).toMatch(/Runbook:\s+restore-local/);
    await expectIntact(drill, before);
  }, 180_000);

  for (const point of boundaries(RESTART_STEPS)) {
    it(`restart after a crash, killed at ${point}`, async () => {
      const drill = await newDrill(`restart-${point}`);
      const before = await digest(drill.port);
      await crashRedis(drill);

      await killedAt(drill, ['--yes'], point);
      await expectOk(await cli(drill, ['--resume', '--yes']));
      await expectIntact(drill, before);

      await crashRedis(drill);
      await killedAt(drill, ['--yes'], point);
      await expectOk(await cli(drill, ['--rollback', '--yes']));
      // the rollback leaves the instance as the run found it (down, or started): recover goes on from there
      if (!(await portAcceptsConnections('127.0.0.1', drill.port))) await expectOk(await cli(drill, ['--yes']));
      await expectIntact(drill, before);
    }, 180_000);
  }

  for (const point of boundaries(REPAIR_STEPS)) {
    it(`repair-aof of a torn AOF tail, killed at ${point}`, async () => {
      const drill = await newDrill(`repair-${point}`);
      const before = await digest(drill.port);
      await crashRedis(drill);
      tearAofTail(drill);

      await killedAt(drill, ['--yes'], point);
      await expectOk(await cli(drill, ['--resume', '--yes']));
      await expectIntact(drill, before);

      await crashRedis(drill);
      tearAofTail(drill);
      await killedAt(drill, ['--yes'], point);
      await expectOk(await cli(drill, ['--rollback', '--yes']));
      if (!(await portAcceptsConnections('127.0.0.1', drill.port))) await expectOk(await cli(drill, ['--yes']));
      await expectIntact(drill, before);
    }, 180_000);
  }
});

/** A small dataset of every type in two databases, one key with a (long) TTL. */
async function fillSmall(drill: Drill): Promise<void> {
  for (const db of [0, 3]) {
    const c = drill.client(db);
    try {
      const p = c.pipeline();
      for (let i = 0; i < 50; i++) p.set(`s:${db}:${i}`, `v${i}`);
      p.hset(`h:${db}`, Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, `${i}`])));
      p.rpush(`l:${db}`, ...Array.from({ length: 10 }, (_, i) => `e${i}`));
      p.sadd(`set:${db}`, ...Array.from({ length: 10 }, (_, i) => `m${i}`));
      p.zadd(`z:${db}`, ...Array.from({ length: 10 }, (_, i) => [i, `z${i}`]).flat());
      p.xadd(`x:${db}`, '1-1', 'a', '1');
      p.set(`ttl:${db}`, 'kept a day', 'EX', 86_400);
      await p.exec();
    } finally {
      c.disconnect();
    }
  }
}

async function digest(port: number): Promise<string> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    const d = (await c.call('DEBUG', 'DIGEST')) as string;
    expect(d).not.toBe('0'.repeat(40)); // an empty dataset
    return d;
  } finally {
    c.disconnect();
  }
}

/** kill -9 of whichever redis-server serves the drill's port (the harness' or one redback started). */
async function crashRedis(drill: Drill): Promise<void> {
  const c = new Redis({ port: drill.port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  let pid: number;
  try {
    pid = Number(/process_id:(\d+)/.exec((await c.info('server')) as string)![1]);
  } finally {
    c.disconnect();
  }
  process.kill(pid, 'SIGKILL');
  await waitFor(async () => !(await portAcceptsConnections('127.0.0.1', drill.port)), 10_000, 20);
}

/** A write torn by a power cut: half a command at the end of the last AOF file (the data before it is intact). */
function tearAofTail(drill: Drill): void {
  const manifest = readFileSync(join(drill.aofDir, 'appendonly.aof.manifest'), 'utf8');
  const lastIncr = [...manifest.matchAll(/file (\S+) seq \d+ type i/g)].pop()![1]!;
  appendFileSync(join(drill.aofDir, lastIncr), '*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$100\r\nonly part of');
}
