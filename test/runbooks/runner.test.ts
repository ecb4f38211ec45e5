import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JournalStore, type RunJournal } from '../../agent/runbooks/journal.js';
import type { Runbook, Step } from '../../agent/runbooks/runbook.js';
import { runJournalOf, RunbookRunner, type StepEvent } from '../../agent/runbooks/runner.js';
import { RedbackError } from '../../shared/errors/index.js';
import { silentLogger } from '../../shared/log/logger.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A toy state: what each step did, and switches to make steps fail or hang. */
interface Toy {
  log: string[];
  failAt?: string | null;
  failRollbackAt?: string | null;
  value?: number;
}

type Hooks = { hang?: string; onRun?: (name: string) => void; onHang?: () => void };

/**
 * A run abandoned forever at a point, like a process killed there: `hung` resolves once the run
 * is stuck. The stuck run never settles (so it can never reject later, behind the test's back);
 * what "the next process" runs is a different runbook object without the hang.
 */
function hangSignal(): { hung: Promise<void>; onHang: () => void } {
  let onHang!: () => void;
  const hung = new Promise<void>((resolve) => (onHang = resolve));
  return { hung, onHang };
}

function toyStep(name: string, hooks: Hooks = {}, extra: Partial<Step<Toy>> = {}): Step<Toy> {
  return {
    name,
    describe: () => `do ${name}`,
    run: async (s, env) => {
      hooks.onRun?.(name);
      s.log.push(`run:${name}`);
      env.note(`${name} ran`);
      if (hooks.hang === name) {
        hooks.onHang?.();
        await new Promise(() => undefined); // the process "dies" here
      }
      if (s.failAt === name) throw new RedbackError('RESTORE_FAILED', `${name} broke`);
    },
    rollback: async (s) => {
      if (s.failRollbackAt === name) throw new Error(`cannot undo ${name}`);
      s.log.push(`undo:${name}`);
    },
    ...extra,
  };
}

function toyRunbook(hooks: Hooks = {}, pnr?: string): Runbook<Toy> {
  return {
    name: 'restart',
    summary: 'toy',
    steps: ['a', 'b', 'c', 'd'].map((n) => toyStep(n, hooks, n === pnr ? { pointOfNoReturn: true } : {})),
  };
}

describe('RunbookRunner (toy runbooks)', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());
  let n = 0;
  const setup = () => {
    const root = join(tmp.path, `agent-${++n}`);
    const store = new JournalStore(root);
    return { root, store, runner: new RunbookRunner(store, silentLogger) };
  };
  const onDisk = (store: JournalStore, j: RunJournal): RunJournal => JSON.parse(readFileSync(join(store.dir(j.instance), `${j.runId}.json`), 'utf8')) as RunJournal;

  it('runs every step in order, journals each one and reports events', async () => {
    const { store, runner } = setup();
    const events: StepEvent[] = [];
    const journal = await runner.run(toyRunbook(), 'inst', { log: [] }, { onEvent: (e) => events.push(e) });
    expect(journal.status).toBe('succeeded');
    expect((journal.state as Toy).log).toEqual(['run:a', 'run:b', 'run:c', 'run:d']);
    expect(journal.runId).toMatch(/^\d{8}T\d{6}Z-restart-[0-9a-f]{4}$/);
    const disk = onDisk(store, journal);
    expect(disk.status).toBe('succeeded');
    expect(disk.steps.map((s) => s.status)).toEqual(['done', 'done', 'done', 'done']);
    expect(disk.steps[0]!.notes).toEqual(['a ran']);
    expect(events.filter((e) => e.status === 'started').map((e) => `${e.index}/${e.total} ${e.step}`)).toEqual(['1/4 a', '2/4 b', '3/4 c', '4/4 d']);
    expect(await store.unfinished('inst')).toBeNull();
  });

  it('a failing step rolls back the failed step and the completed ones in reverse order', async () => {
    const { store, runner } = setup();
    const err = await runner.run(toyRunbook(), 'inst', { log: [], failAt: 'c' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedbackError);
    expect((err as RedbackError).code).toBe('RESTORE_FAILED');
    const journal = runJournalOf(err)!;
    expect(journal.status).toBe('rolled-back');
    expect((journal.state as Toy).log).toEqual(['run:a', 'run:b', 'run:c', 'undo:c', 'undo:b', 'undo:a']);
    expect(journal.steps.map((s) => s.status)).toEqual(['rolled-back', 'rolled-back', 'rolled-back', 'pending']);
    expect(journal.error).toMatchObject({ code: 'RESTORE_FAILED', message: 'c broke' });
    expect(onDisk(store, journal).status).toBe('rolled-back');
    expect(await store.unfinished('inst')).toBeNull();
  });

  it('rollbackOnFailure false leaves a failed run that is offered for resume or rollback', async () => {
    const { store, runner } = setup();
    await runner.run(toyRunbook(), 'inst', { log: [], failAt: 'b' }, { rollbackOnFailure: false }).catch(() => undefined);
    const open = await store.unfinished('inst');
    expect(open?.status).toBe('failed');
    (open!.state as Toy).failAt = null; // the cause was fixed
    const resumed = await new RunbookRunner(store, silentLogger).resume(toyRunbook(), open!);
    expect(resumed.status).toBe('succeeded');
    expect((resumed.state as Toy).log).toEqual(['run:a', 'run:b', 'run:b', 'run:c', 'run:d']);
  });

  it('a run killed midway is found on disk and resumed: done steps are skipped, the running one runs again', async () => {
    const { root, store, runner } = setup();
    const ran: string[] = [];
    // The first process hangs inside step c, i.e. it is killed there: we abandon it.
    const { hung, onHang } = hangSignal();
    void runner.run(toyRunbook({ hang: 'c', onRun: (s) => ran.push(s), onHang }), 'inst', { log: [] });
    await hung;
    // A new process: only the journal on disk is left.
    const found = await new JournalStore(root).unfinished('inst');
    expect(found?.status).toBe('running');
    expect(found?.steps.map((s) => s.status)).toEqual(['done', 'done', 'running', 'pending']);
    const rerun: string[] = [];
    const resumed = await new RunbookRunner(store, silentLogger).resume(toyRunbook({ onRun: (s) => rerun.push(s) }), found!);
    expect(resumed.status).toBe('succeeded');
    expect(rerun).toEqual(['c', 'd']);
    expect(ran).toEqual(['a', 'b', 'c']);
    expect(await store.unfinished('inst')).toBeNull();
  });

  it('a run killed midway can be rolled back instead: the half-finished step is undone too', async () => {
    const { store, runner } = setup();
    const { hung, onHang } = hangSignal();
    void runner.run(toyRunbook({ hang: 'b', onHang }), 'inst', { log: [] });
    await hung;
    const found = (await store.unfinished('inst'))!;
    const undone = await new RunbookRunner(store, silentLogger).rollback(toyRunbook(), found);
    expect(undone.status).toBe('rolled-back');
    expect((undone.state as Toy).log).toEqual(['run:a', 'undo:b', 'undo:a']);
    expect(await store.unfinished('inst')).toBeNull();
  });

  it('stops rolling back at a point of no return and asks for a human; a later resume finishes the run', async () => {
    const { store, runner } = setup();
    const err = await runner.run(toyRunbook({}, 'b'), 'inst', { log: [], failAt: 'd' }).catch((e: unknown) => e);
    const journal = runJournalOf(err)!;
    expect(journal.status).toBe('needs-attention');
    expect((journal.state as Toy).log).toEqual(['run:a', 'run:b', 'run:c', 'run:d', 'undo:d', 'undo:c']);
    expect(journal.steps.map((s) => s.status)).toEqual(['done', 'done', 'rolled-back', 'rolled-back']);
    expect(journal.steps[1]!.notes.join(' ')).toMatch(/point of no return/);
    const open = (await store.unfinished('inst'))!;
    expect(open.status).toBe('needs-attention');
    (open.state as Toy).failAt = null;
    const resumed = await runner.resume(toyRunbook({}, 'b'), open);
    expect(resumed.status).toBe('succeeded');
    expect((resumed.state as Toy).log.slice(-2)).toEqual(['run:c', 'run:d']);
  });

  it('a rollback step that fails leaves the run needing attention, with the reason in the journal', async () => {
    const { store, runner } = setup();
    const err = await runner.run(toyRunbook(), 'inst', { log: [], failAt: 'c', failRollbackAt: 'b' }).catch((e: unknown) => e);
    const journal = runJournalOf(err)!;
    expect(journal.status).toBe('needs-attention');
    expect(journal.steps[1]!.notes).toContain('rollback failed: cannot undo b');
    expect(journal.steps[0]!.status).toBe('done'); // not reached
    expect((await store.unfinished('inst'))?.runId).toBe(journal.runId);
  });

  it('a run killed while rolling back is found (rolling-back) and its rollback continues where it stopped', async () => {
    const { root, store, runner } = setup();
    // Two "processes": the first hangs for ever inside b's rollback (it is killed there); the
    // second has the same steps without the hang. Deciding the hang per runbook object, not with a
    // flag the test flips, keeps the first run from waking up and failing ("c broke") later.
    const book = (onHangInB?: () => void): Runbook<Toy> => ({
      name: 'restart',
      summary: 'toy',
      steps: [
        toyStep('a'),
        {
          ...toyStep('b'),
          rollback: async (s) => {
            if (onHangInB) {
              onHangInB();
              await new Promise(() => undefined);
            }
            s.log.push('undo:b');
          },
        },
        toyStep('c'),
      ],
    });
    const { hung, onHang } = hangSignal();
    void runner.run(book(onHang), 'inst', { log: [], failAt: 'c' });
    await hung; // c is undone and journaled, b's rollback is under way
    const found = (await new JournalStore(root).unfinished('inst'))!;
    expect(found.status).toBe('rolling-back');
    expect(found.steps.map((s) => s.status)).toEqual(['done', 'done', 'rolled-back']);
    const undone = await new RunbookRunner(store, silentLogger).rollback(book(), found);
    expect(undone.status).toBe('rolled-back');
    expect((undone.state as Toy).log.filter((l) => l.startsWith('undo'))).toEqual(['undo:c', 'undo:b', 'undo:a']);
  });

  it('checkpoint saves the state in the middle of a step', async () => {
    const { store, runner } = setup();
    let seenOnDisk: unknown = null;
    const book: Runbook<Toy> = {
      name: 'restart',
      summary: 'toy',
      steps: [
        {
          name: 'x',
          describe: () => 'x',
          run: async (s, env) => {
            s.value = 42;
            await env.checkpoint();
            seenOnDisk = ((await store.unfinished('inst'))?.state as Toy).value;
            env.warn('look at this');
          },
        },
      ],
    };
    const journal = await runner.run(book, 'inst', { log: [] });
    expect(seenOnDisk).toBe(42);
    expect(journal.steps[0]!.warnings).toEqual(['look at this']);
  });

  it('close: an unfinished run is closed as it stands; unfinished steps become kept; it no longer blocks and cannot be resumed', async () => {
    const { store, runner } = setup();
    const { hung, onHang } = hangSignal();
    void runner.run(toyRunbook({ hang: 'b', onHang }), 'inst', { log: [] });
    await hung;
    const found = (await store.unfinished('inst'))!;
    const closed = await new RunbookRunner(store, silentLogger).close(found, 'fixed by hand');
    expect(closed.status).toBe('closed');
    expect(closed.steps.map((s) => s.status)).toEqual(['done', 'kept', 'kept', 'kept']);
    expect(closed.closed).toEqual({ reason: 'fixed by hand', previousStatus: 'running' });
    expect(onDisk(store, closed).status).toBe('closed');
    expect(await store.unfinished('inst')).toBeNull();
    await expect(runner.resume(toyRunbook(), closed)).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runner.close(closed, 'again')).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('beforeResume runs once before a resumed run continues, knowing which steps are done; if it fails the run needs attention', async () => {
    const { store, runner } = setup();
    await runner.run(toyRunbook(), 'inst', { log: [], failAt: 'c' }, { rollbackOnFailure: false }).catch(() => undefined);
    const open = (await store.unfinished('inst'))!;
    (open.state as Toy).failAt = null;
    const seen: string[] = [];
    const failing: Runbook<Toy> = {
      ...toyRunbook(),
      beforeResume: async () => {
        throw new RedbackError('CONTROL_FAILED', 'redis does not start');
      },
    };
    const err = await runner.resume(failing, open).catch((e: unknown) => e);
    expect(runJournalOf(err)?.status).toBe('needs-attention');
    expect(runJournalOf(err)?.error?.message).toBe('cannot resume: redis does not start');
    const again = (await store.unfinished('inst'))!;
    expect(again.status).toBe('needs-attention');
    const book: Runbook<Toy> = {
      ...toyRunbook(),
      beforeResume: async (s, done, env) => {
        seen.push(['a', 'b', 'c', 'd'].filter(done).join(','));
        s.log.push('before-resume');
        env.note('redis started again');
      },
    };
    const resumed = await runner.resume(book, again);
    expect(resumed.status).toBe('succeeded');
    expect(seen).toEqual(['a,b']);
    expect((resumed.state as Toy).log.slice(-3)).toEqual(['before-resume', 'run:c', 'run:d']);
    expect(resumed.steps[2]!.notes).toContain('redis started again');
  });

  it('refuses to resume a journal that does not match the runbook', async () => {
    const { store, runner } = setup();
    await runner.run(toyRunbook(), 'inst', { log: [], failAt: 'b' }, { rollbackOnFailure: false }).catch(() => undefined);
    const open = (await store.unfinished('inst'))!;
    const other: Runbook<Toy> = { name: 'restart', summary: 'other', steps: [toyStep('a'), toyStep('z')] };
    await expect(runner.resume(other, open)).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
