import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createArchiver } from '../../agent/archive/archive-session.js';
import type { Archiver } from '../../agent/archive/archiver.js';
import { TIERS } from '../../shared/manifest/copy-manifest.js';
import { waitFor } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import type { Drill } from '../recovery/drill-fixture.js';
import { offsiteDrill } from './offsite-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const iso = (ts: number) => new Date(ts * 1000).toISOString().replace('.000Z', 'Z');

/** Numbered keys `k:<n>` written in bursts, each burst inside one wall-clock second (away from its edges). */
class Writer {
  next = 1;
  /** second → the key numbers written in it */
  readonly bursts: Array<{ ts: number; keys: number[] }> = [];
  constructor(private readonly client: Redis) {}

  async burst(count = 20): Promise<number> {
    for (;;) {
      const ms = Date.now() % 1000;
      if (ms >= 250 && ms <= 550) break;
      await sleep(ms < 250 ? 250 - ms : 1250 - ms);
    }
    const ts = Math.floor(Date.now() / 1000);
    const keys = Array.from({ length: count }, () => this.next++);
    const p = this.client.pipeline();
    for (const n of keys) p.set(`k:${n}`, `${n}@${ts}`);
    await p.exec();
    expect(Math.floor(Date.now() / 1000), 'a burst stays inside its second').toBe(ts);
    this.bursts.push({ ts, keys });
    await sleep(800); // the next burst lands in a later second
    return ts;
  }

  keysUpTo(ts: number): string[] {
    return this.bursts.filter((b) => b.ts <= ts).flatMap((b) => b.keys.map((n) => `k:${n}`)).sort();
  }
}

async function restoredKeys(port: number): Promise<string[]> {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    return ((await c.keys('k:*')) as string[]).sort();
  } finally {
    c.disconnect();
  }
}

async function isUp(port: number): Promise<boolean> {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    c.disconnect();
  }
}

async function rewriteAof(client: Redis): Promise<void> {
  await client.bgrewriteaof();
  await waitFor(async () => /aof_rewrite_in_progress:0/.test(await client.info('persistence')) && /aof_rewrite_scheduled:0/.test(await client.info('persistence')), 30_000);
}

async function archiverFor(drill: Drill): Promise<Archiver> {
  const ctx = drill.ctx();
  return createArchiver(ctx, drill.instance(ctx), undefined, 1000);
}

/** Everything of the host gone: redis killed, its AOF directory, dump.rdb and every local copy. */
function destroyHost(drill: Drill): void {
  rmSync(drill.aofDir, { recursive: true, force: true });
  rmSync(drill.rdbFile, { force: true });
  for (const tier of TIERS) rmSync(join(drill.backupDir, drill.name, tier), { recursive: true, force: true });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(p);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out.sort();
}

/**
 * Point-in-time recovery from the continuous AOF archive (issue 10 item 4), with a real
 * redis-server (aof-timestamp-enabled yes), the real archiver shipping rounds, and a
 * BGREWRITEAOF in the middle of the archived period.
 */
describe('agent recover --before TIME from the AOF archive', () => {
  const tmp = makeTempDir('redback-pitr-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  it('restores exactly the keys written up to the second, and latest up to the newest shipped second; refuses outside the window and a corrupt segment', async () => {
    const drill = await offsiteDrill(join(tmp.path, 'pitr'), {}, { extraConfig: ['aof-timestamp-enabled yes'] });
    cleanups.push(() => drill.cleanup());
    const archiver = await archiverFor(drill);
    const client = drill.client();
    const w = new Writer(client);

    await w.burst();
    await archiver.runRound(); // the base and the first segment
    await w.burst();
    await w.burst();
    await archiver.runRound();
    await rewriteAof(client); // a new base and incr file in the middle of the archived period
    await w.burst();
    const middle = await w.burst();
    await archiver.runRound();
    await w.burst();
    await rewriteAof(client);
    await w.burst();
    const last = await w.burst();
    const final = await archiver.runRound();
    expect(final.status.error ?? null).toBeNull();
    const early = w.bursts[1]!.ts; // before the first rewrite
    client.disconnect();

    await drill.crash();
    destroyHost(drill);

    // the dry run states the exact time the data will reflect
    const dry = await drill.cli(['recover', '--before', iso(middle), '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/Runbook:\s+restore-offsite/);
    expect(dry.stdout).toMatch(new RegExp(`Source:\\s+AOF archive at ${iso(middle)}`));
    expect(dry.stdout).toMatch(new RegExp(`Reflects:\\s+${iso(middle)}: every write up to and including that second`));
    expect(dry.stdout).toMatch(/window\s+to the second /);

    // outside the window: after the newest shipped second, and before the archive: exit 19, nothing changed
    const before = filesUnder(drill.redisDir);
    const after = await drill.cli(['recover', '--before', iso(last + 30), '--yes']);
    expect(after.code, after.stdout + after.stderr).toBe(19);
    expect(after.stderr).toMatch(/outside the AOF archive's coverage/);
    expect(after.stderr).toMatch(/HINT: the recovery window: to the second \d{4}-/);
    const tooEarly = await drill.cli(['recover', '--before', '2001-01-01T00:00:00Z', '--yes']);
    expect(tooEarly.code, tooEarly.stdout + tooEarly.stderr).toBe(19);
    expect(filesUnder(drill.redisDir)).toEqual(before);
    expect(await isUp(drill.port)).toBe(false);

    // a flipped byte in a stored segment: refused (exit 8) before redis is touched
    const archiveRoot = join(drill.offsiteDir, 'redback');
    const segments = filesUnder(archiveRoot).filter((f) => /\/incr\/[^/]+\/\d{8}-\d{15}-\d{15}/.test(f));
    expect(segments.length).toBeGreaterThan(2);
    const victim = segments.at(-1)!;
    const original = readFileSync(victim);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;
    writeFileSync(victim, flipped);
    const corrupt = await drill.cli(['recover', '--before', 'latest', '--yes'], 120_000);
    expect(corrupt.code, corrupt.stdout + corrupt.stderr).toBe(8);
    expect(corrupt.stdout + corrupt.stderr).toMatch(/failed verification/);
    expect(await isUp(drill.port)).toBe(false);
    expect(existsSync(drill.rdbFile)).toBe(false);
    expect(existsSync(drill.aofDir)).toBe(false);
    expect(filesUnder(drill.redisDir).filter((f) => /\.redback-restore-/.test(f))).toEqual([]);
    writeFileSync(victim, original);

    // T in the middle (after the first rewrite): exactly the keys of the seconds up to T
    const mid = await drill.cli(['recover', '--before', iso(middle), '--yes'], 180_000);
    expect(mid.code, mid.stdout + mid.stderr).toBe(0);
    expect(mid.stdout).toMatch(/Report: run \S+-restore-offsite-\S+ SUCCEEDED/);
    expect(await restoredKeys(drill.port)).toEqual(w.keysUpTo(middle));
    expect(w.keysUpTo(middle).length).toBeLessThan(w.next - 1);

    // T before the first rewrite: the first base and the incr files across the rewrite
    const first = await drill.cli(['recover', '--before', iso(early), '--yes'], 180_000);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(await restoredKeys(drill.port)).toEqual(w.keysUpTo(early));

    // latest: the newest shipped second (every key: the last round shipped them all); AOF on afterwards
    const latest = await drill.cli(['recover', '--before', 'latest', '--yes'], 180_000);
    expect(latest.code, latest.stdout + latest.stderr).toBe(0);
    expect(latest.stdout).toMatch(new RegExp(`AOF archive at ${iso(last)} \\(the newest shipped second\\)`));
    expect(await restoredKeys(drill.port)).toEqual(w.keysUpTo(last));
    expect(w.keysUpTo(last).length).toBe(w.next - 1);
    expect(readFileSync(drill.confPath, 'utf8')).toMatch(/^appendonly yes/m);
    expect(statSync(join(drill.aofDir)).isDirectory()).toBe(true);
  }, 600_000);

  it('refuses a time in a gap of the archive (another history after the AOF was lost) with exit 19, changing nothing', async () => {
    const drill = await offsiteDrill(join(tmp.path, 'gap'), {}, { extraConfig: ['aof-timestamp-enabled yes'] });
    cleanups.push(() => drill.cleanup());
    const archiver = await archiverFor(drill);
    let client = drill.client();
    let w = new Writer(client);
    await w.burst();
    await w.burst();
    const endOfFirst = w.bursts.at(-1)!.ts;
    await archiver.runRound();
    client.disconnect();
    // the AOF is lost and redis starts over with a new history: the archiver reports a gap
    await drill.crash();
    rmSync(drill.aofDir, { recursive: true, force: true });
    await sleep(4000);
    await drill.server!.startProcess();
    client = drill.client();
    w = new Writer(client);
    await w.burst();
    await archiver.runRound().catch(() => undefined); // the round that finds the gap may fail or report it
    await w.burst();
    await archiver.runRound();
    client.disconnect();

    const inGap = endOfFirst + 2;
    const dry = await drill.cli(['recover', '--before', iso(inGap), '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(19);
    // the gap ends where the new history's base begins (not at the old history's retained files)
    expect(dry.stderr).toMatch(/lies in a gap of the AOF archive/);
    expect(dry.stderr).toMatch(/HINT: the recovery window: to the second \S+ … \S+, \S+ … \S+/);
    const run = await drill.cli(['recover', '--before', iso(inGap), '--yes']);
    expect(run.code, run.stdout + run.stderr).toBe(19);
    expect(await restoredKeys(drill.port)).toEqual(w.keysUpTo(w.bursts.at(-1)!.ts));
  }, 300_000);
});
