import { RedbackError } from '../../shared/errors/index.js';
import { infoNumber, readInfo } from './info.js';
import type { RedisCommander } from './redis-client.js';

export interface BgsaveOptions {
  timeoutMs: number;
  pollIntervalMs: number;
  instance: string;
  signal?: AbortSignal;
}

export interface BgsaveResult {
  /** How BGSAVE answered: it started, one was already running, or it had to be scheduled. */
  reply: 'started' | 'already-in-progress' | 'scheduled';
  /** rdb_last_save_time after the save (unix seconds). */
  lastSaveTime: number;
  durationMs: number;
}

/**
 * Makes Redis write a fresh dump.rdb and waits until it is on disk:
 * 1. note LASTSAVE and `rdb_saves`;
 * 2. BGSAVE; "already in progress" → wait for that one to end, then ask again (it started before
 *    this request and may miss the latest writes); "another child active" → BGSAVE SCHEDULE;
 * 3. poll INFO persistence until no save runs and `rdb_saves` (or the save time) moved on;
 * 4. require `rdb_last_bgsave_status:ok`; otherwise fail loudly, since Redis may now refuse
 *    writes (stop-writes-on-bgsave-error);
 * 5. give up after the timeout with a clear error (the save may still finish on its own).
 */
export async function runBgsave(redis: RedisCommander, options: BgsaveOptions): Promise<BgsaveResult> {
  const started = Date.now();
  let reply: BgsaveResult['reply'] | null = null;
  let savesBefore: number | null = null;
  let lastSaveBefore = 0;
  // A save that was already running started before this request, so it may miss the latest
  // writes: wait for it to end, then ask again (a few times at most).
  for (let attempt = 0; reply === null || reply === 'already-in-progress'; attempt++) {
    savesBefore = infoNumber(await readInfo(redis, 'persistence'), 'rdb_saves');
    lastSaveBefore = Number(await redis.call('LASTSAVE'));
    try {
      await redis.call('BGSAVE');
      reply = reply ?? 'started';
      break;
    } catch (err) {
      const message = (err as Error).message;
      if (/already in progress/i.test(message) && attempt < 5) {
        reply = 'already-in-progress';
        await waitUntil(redis, options, started, (info) => info.rdb_bgsave_in_progress !== '1');
      } else if (/another child|child process is active|AOF rewrite|Use BGSAVE SCHEDULE/i.test(message)) {
        await redis.call('BGSAVE', 'SCHEDULE');
        reply = 'scheduled';
        break;
      } else {
        throw new RedbackError('BGSAVE_FAILED', `bgsave on ${options.instance} was refused: ${message}`, {
          hint: 'check the redis log; the user may lack permission for BGSAVE',
          cause: err,
        });
      }
    }
  }

  const info = await waitUntil(redis, options, started, (i) => {
    if (i.rdb_bgsave_in_progress === '1') return false;
    const saves = infoNumber(i, 'rdb_saves');
    const lastSave = infoNumber(i, 'rdb_last_save_time') ?? 0;
    if (savesBefore !== null && saves !== null) return saves > savesBefore;
    // Servers without rdb_saves (before 7.0) never move the save time on failure: catch it here.
    return lastSave > lastSaveBefore || (i.rdb_last_bgsave_status === 'err' && reply === 'started');
  });
  const status = info.rdb_last_bgsave_status;
  const lastSave = infoNumber(info, 'rdb_last_save_time') ?? 0;
  if (status !== 'ok') {
    throw new RedbackError('BGSAVE_FAILED', `bgsave on ${options.instance} failed: rdb_last_bgsave_status:${status}`, {
      hint: 'read the redis log (disk full? dir not writable?); Redis may now refuse writes until a save succeeds (stop-writes-on-bgsave-error)',
      details: { instance: options.instance },
    });
  }
  if (lastSave < lastSaveBefore) {
    throw new RedbackError('BGSAVE_FAILED', `bgsave on ${options.instance} finished but rdb_last_save_time did not move forward`, {
      hint: 'the server clock may have moved backwards; retry',
    });
  }
  return { reply: reply!, lastSaveTime: lastSave, durationMs: Date.now() - started };
}

/**
 * Polls INFO persistence until `done` says so, quickly at first (small datasets save in
 * milliseconds), then every pollIntervalMs; fails with BGSAVE_TIMEOUT after the timeout.
 */
async function waitUntil(
  redis: RedisCommander,
  options: BgsaveOptions,
  started: number,
  done: (info: Record<string, string>) => boolean,
): Promise<Record<string, string>> {
  let wait = Math.min(10, options.pollIntervalMs);
  for (;;) {
    if (options.signal?.aborted) throw new RedbackError('CANCELLED', `bgsave wait on ${options.instance} cancelled`);
    const info = await readInfo(redis, 'persistence');
    if (done(info)) return info;
    if (Date.now() - started > options.timeoutMs) {
      throw new RedbackError('BGSAVE_TIMEOUT', `bgsave on ${options.instance} did not finish within ${Math.round(options.timeoutMs / 1000)}s`, {
        hint: 'the save may still finish; raise snapshot.bgsaveTimeout for large datasets or check the redis log',
      });
    }
    await sleep(wait, options.signal);
    wait = Math.min(wait * 2, options.pollIntervalMs);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}
