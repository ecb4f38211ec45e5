// npm run bench:restore — redback's restore-local against what redis-server itself needs.
//
// Builds an RDB of at least 500 MB in a real redis-server (random, poorly compressible values),
// makes a verified local copy of it, then times in the same run, several rounds each, interleaved:
//   (a) floor:          redis-server alone loading dump.rdb at start-up (spawn → loading:0)
//   (b) floor+rewrite:  (a), then CONFIG SET appendonly yes until the AOF rewrite is done
//   (c') the same restore in-process (recoverInstance), as the agent daemon runs it
//   (c) redback:        `redback agent recover --yes --backup <copy>` end to end through the CLI, on
//                       an instance whose AOF and dump.rdb are gone (diagnosis, copy verification,
//                       fetch into a staged file with SHA-256 + CRC-64, pre-flight, place, start
//                       with the AOF off, load, key check, AOF rewrite, CONFIG REWRITE)
// One warm-up round of each phase is not counted (BENCH_WARMUP). Before each timed phase the
// system settles (sync + BENCH_SETTLE_MS); files of earlier phases are deleted only after a phase.
// Prints medians, the ratios c/b (target ≤ 1.3) and c/a, and where redback's time goes.
//
// Then restore-offsite (BENCH_OFFSITE=0 skips it): one offsite set of the same instance on a
// local-directory target (zstd level 3), and per round, interleaved:
//   (d) download + load:  stream the stored RDB object through zstd -d into dump.rdb (a plain
//                         download), then redis-server loads it (spawn → loading:0)
//   (e) (d) + the AOF rewrite (CONFIG SET appendonly yes until done), what the runbook also does
//   (f) redback:          `redback agent recover --yes --backup <set>` through the CLI (restore-offsite:
//                         fetch with SHA-256 of both sides + CRC-64, pre-flight, place, load, key
//                         check, AOF rewrite, CONFIG REWRITE)
// and prints f/d and f/e.
import { spawn } from 'node:child_process';
import { closeSync, copyFileSync, createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { DecompressStream } from 'zstd-napi';
import { openOffsite, uploadWithConfig } from '../agent/offsite/offsite-session.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createAgentContext } from '../agent/agent-context.js';
import { recoverInstance } from '../agent/recovery/recover.js';
import { copyIntoTier } from '../agent/snapshot/take-snapshot.js';
import { loadAgentConfig } from '../shared/config/agent-config.js';
import { silentLogger } from '../shared/log/logger.js';
import { writeAgentConfig } from '../test/helpers/agent-fixture.js';
import { runCli } from '../test/helpers/cli.js';
import { fillRandom } from '../test/helpers/fill-redis.js';
import { freePort } from '../test/helpers/ports.js';
import { TestRedisServer } from '../test/helpers/redis-server.js';
import { fmtMs, mb, median } from './bench-util.js';

const targetBytes = Number(process.env.BENCH_BYTES ?? 520 * 1024 * 1024);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const root = process.env.BENCH_DIR ?? join(tmpdir(), `redback-restore-bench-${process.pid}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, enableOfflineQueue: false });
  c.on('error', () => undefined);
  return c;
}

/** INFO persistence of a server that may still be starting; null while it does not answer. */
async function persistence(port: number): Promise<string | null> {
  const c = client(port);
  try {
    await c.connect();
    return (await c.info('persistence')) as string;
  } catch {
    return null;
  } finally {
    c.disconnect();
  }
}

async function until(check: () => Promise<boolean>, timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let wait = 5;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(wait);
    wait = Math.min(wait * 2, 50);
  }
}

/** Lets the previous phase finish in the background (an exiting 600 MB redis, write-back) before a timed phase. */
async function settle(): Promise<void> {
  await new Promise<void>((resolve) => spawn('sync', [], { stdio: 'ignore' }).once('exit', () => resolve()));
  await sleep(Number(process.env.BENCH_SETTLE_MS ?? 2000));
}

async function shutdown(port: number): Promise<void> {
  const c = client(port);
  try {
    await c.connect();
    await c.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  } catch {
    // already down
  } finally {
    c.disconnect();
  }
  await until(async () => (await persistence(port)) === null, 60_000);
}

function confText(dir: string, port: number): string {
  return [`port ${port}`, 'bind 127.0.0.1', `dir ${dir}`, 'dbfilename dump.rdb', 'save ""', 'appendonly yes', 'appendfsync everysec', 'daemonize no', `logfile ${join(dir, 'redis.log')}`].join('\n') + '\n';
}

let trashCount = 0;

/**
 * Clears the target's data files by renaming them into a trash folder; the trash is deleted only
 * after the timed phase. (The root file system may be mounted with `discard`: deleting 1 GB right
 * before a timed phase would make it pay for the TRIM. A real restore never deletes anything.)
 */
function resetTarget(dir: string, confPath: string, port: number): string {
  const trash = join(root, `trash-${++trashCount}`);
  mkdirSync(trash, { recursive: true });
  for (const name of ['dump.rdb', 'appendonlydir', 'redback-quarantine']) {
    if (existsSync(join(dir, name))) renameSync(join(dir, name), join(trash, name));
  }
  writeFileSync(confPath, confText(dir, port)); // CONFIG REWRITE changed it last round
  return trash;
}

function emptyTrash(trash: string): void {
  rmSync(trash, { recursive: true, force: true });
}

/** (a) and (b): redis-server alone loads dump.rdb, then rebuilds the AOF. */
async function floor(dir: string, confPath: string, port: number, dump: string): Promise<{ loadMs: number; rewriteMs: number }> {
  const trash = resetTarget(dir, confPath, port);
  copyFileSync(dump, join(dir, 'dump.rdb'));
  // Flush the copy before the clock starts, so its write-back does not slow the floor's rewrite.
  const fd = openSync(join(dir, 'dump.rdb'), 'r+');
  fsyncSync(fd);
  closeSync(fd);
  await settle();
  const t0 = performance.now();
  const child = spawn('redis-server', [confPath, '--appendonly', 'no'], { stdio: 'ignore', detached: true });
  child.unref();
  await until(async () => /loading:0/.test((await persistence(port)) ?? ''));
  const loaded = performance.now();
  const c = client(port);
  await c.connect();
  await c.call('CONFIG', 'SET', 'appendonly', 'yes');
  await until(async () => {
    const info = (await c.info('persistence')) as string;
    return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && /aof_rewrites:[1-9]/.test(info) && /aof_last_bgrewrite_status:ok/.test(info);
  });
  const rewritten = performance.now();
  c.disconnect();
  await shutdown(port);
  emptyTrash(trash);
  return { loadMs: loaded - t0, rewriteMs: rewritten - loaded };
}

/** (c') the same restore in-process, as the agent daemon runs it (no CLI start-up). */
async function redbackInProcess(dir: string, confPath: string, port: number, configPath: string, copyId: string): Promise<number> {
  const trash = resetTarget(dir, confPath, port);
  await settle();
  const ctx = createAgentContext(loadAgentConfig(configPath), silentLogger);
  const t0 = performance.now();
  const outcome = await recoverInstance(ctx, ctx.config.instances[0]!, { backupId: copyId });
  const ms = performance.now() - t0;
  if (outcome.error || outcome.report?.status !== 'succeeded') throw new Error(`in-process recover: ${outcome.error?.message ?? outcome.report?.status}`);
  await shutdown(port);
  emptyTrash(trash);
  return ms;
}

/** The seed's manual step "copy the RDB backup" into the data directory (a fresh file, not fsynced). */
async function manualCopy(dir: string, confPath: string, port: number, copyPath: string): Promise<number> {
  const trash = resetTarget(dir, confPath, port);
  await settle();
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) =>
    spawn('cp', [copyPath, join(dir, 'dump.rdb')], { stdio: 'ignore' }).once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`cp exited ${code}`)))),
  );
  const ms = performance.now() - t0;
  emptyTrash(trash);
  return ms;
}

/** (c): redback's restore-local through the CLI; returns wall time and the journal's step times. */
async function redback(dir: string, confPath: string, port: number, configPath: string, copyId: string): Promise<{ ms: number; steps: Record<string, number> }> {
  const trash = resetTarget(dir, confPath, port);
  await settle();
  const t0 = performance.now();
  const result = await runCli(['agent', 'recover', '--config', configPath, '--instance', 'bench', '--yes', '--backup', copyId, '--json'], { timeoutMs: 600_000 });
  const ms = performance.now() - t0;
  if (result.code !== 0) throw new Error(`recover exited ${result.code}: ${result.stderr}`);
  const out = JSON.parse(result.stdout) as { report: { journalFile: string; status: string } };
  if (out.report.status !== 'succeeded') throw new Error(`recover ended ${out.report.status}`);
  const journal = JSON.parse(readFileSync(out.report.journalFile, 'utf8')) as { steps: Array<{ name: string; startedAt: string; finishedAt: string }> };
  const steps = Object.fromEntries(journal.steps.map((s) => [s.name, new Date(s.finishedAt).getTime() - new Date(s.startedAt).getTime()]));
  await shutdown(port);
  emptyTrash(trash);
  return { ms, steps };
}

/** The file of the set's stored RDB object (key `.../<setId>/.../<name>`) on a local-directory target. */
function storedObjectFile(dir: string, setId: string, key: string): string {
  const name = key.split('/').pop()!;
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    const parent = e.parentPath ?? (e as unknown as { path: string }).path;
    if (e.isFile() && e.name === name && parent.includes(setId)) return join(parent, e.name);
  }
  throw new Error(`stored object ${key} of set ${setId} not found under ${dir}`);
}

/** (d) and (e): a plain download (stream the stored object through zstd -d) + redis-server load, then the AOF rewrite. */
async function offsiteFloor(dir: string, confPath: string, port: number, stored: string): Promise<{ downloadMs: number; loadMs: number; rewriteMs: number }> {
  const trash = resetTarget(dir, confPath, port);
  await settle();
  const t0 = performance.now();
  await pipeline(createReadStream(stored, { highWaterMark: 1024 * 1024 }), new DecompressStream(), createWriteStream(join(dir, 'dump.rdb')));
  const downloaded = performance.now();
  const child = spawn('redis-server', [confPath, '--appendonly', 'no'], { stdio: 'ignore', detached: true });
  child.unref();
  await until(async () => /loading:0/.test((await persistence(port)) ?? ''));
  const loaded = performance.now();
  const c = client(port);
  await c.connect();
  await c.call('CONFIG', 'SET', 'appendonly', 'yes');
  await until(async () => {
    const info = (await c.info('persistence')) as string;
    return /aof_rewrite_in_progress:0/.test(info) && /aof_rewrite_scheduled:0/.test(info) && /aof_rewrites:[1-9]/.test(info) && /aof_last_bgrewrite_status:ok/.test(info);
  });
  const rewritten = performance.now();
  c.disconnect();
  await shutdown(port);
  emptyTrash(trash);
  return { downloadMs: downloaded - t0, loadMs: loaded - downloaded, rewriteMs: rewritten - loaded };
}

/** restore-offsite of set `setId` (after restore-local measurements, with the same instance). */
async function offsiteBench(targetDir: string, confPath: string, port: number, localConfigPath: string, copyId: string, size: number): Promise<void> {
  const offsiteDir = join(root, 'offsite');
  const configPath = writeAgentConfig(
    root,
    {
      agentId: 'bench-host',
      backupDir: join(root, 'backups'),
      schedules: { hourly: null, daily: null },
      offsite: { type: 'local', path: offsiteDir, prefix: 'bench', compression: { level: 3 }, rdbMaxAge: '24h' },
      instances: [{ name: 'bench', url: `redis://127.0.0.1:${port}`, configFile: confPath, control: { type: 'process' } }],
    },
    'agent-offsite.yaml',
  );
  // The instance up with the data (an in-process restore of the local copy), then one set of it.
  const trash = resetTarget(targetDir, confPath, port);
  const localCtx = createAgentContext(loadAgentConfig(localConfigPath), silentLogger);
  const restored = await recoverInstance(localCtx, localCtx.config.instances[0]!, { backupId: copyId });
  if (restored.error) throw restored.error;
  const ctx = createAgentContext(loadAgentConfig(configPath), silentLogger);
  const upload = await uploadWithConfig(ctx, ctx.config.instances[0]!, await openOffsite(ctx));
  await shutdown(port);
  emptyTrash(trash);
  const setId = upload.manifest.setId;
  const rdbObject = upload.manifest.objects.find((o) => o.kind === 'rdb');
  if (!rdbObject) throw new Error(`set ${setId} has no rdb object`);
  const stored = storedObjectFile(offsiteDir, setId, rdbObject.key);
  process.stderr.write(`offsite set ${setId}: ${mb(upload.plainBytes)} → ${mb(upload.storedBytes)} stored; RDB object ${mb(statSync(stored).size)}\n`);

  const d: number[] = [];
  const e: number[] = [];
  const f: number[] = [];
  const stepTimes: Array<Record<string, number>> = [];
  for (let round = -Number(process.env.BENCH_WARMUP ?? 1); round < rounds; round++) {
    const fl = await offsiteFloor(targetDir, confPath, port, stored);
    const r = await redback(targetDir, confPath, port, configPath, setId);
    if (round < 0) {
      process.stderr.write('offsite warm-up round done\n');
      continue;
    }
    d.push(fl.downloadMs + fl.loadMs);
    e.push(fl.downloadMs + fl.loadMs + fl.rewriteMs);
    f.push(r.ms);
    stepTimes.push(r.steps);
    process.stderr.write(
      `offsite round ${round + 1}: (d) download ${fmtMs(fl.downloadMs)} + load ${fmtMs(fl.loadMs)}, (e) + rewrite ${fmtMs(e.at(-1)!)}, (f) redback ${fmtMs(r.ms)} (fetch ${r.steps['fetch-and-verify']} ms, load ${r.steps['wait-loaded']} ms, rewrite ${r.steps['enable-aof']} ms)\n`,
    );
  }
  const steps = Object.fromEntries(Object.keys(stepTimes[0] ?? {}).map((k) => [k, Math.round(median(stepTimes.map((s) => s[k] ?? 0)))]));
  const result = {
    bench: 'restore-offsite',
    fileBytes: size,
    storedBytes: statSync(stored).size,
    rounds,
    downloadPlusLoadMs: Math.round(median(d)),
    downloadPlusLoadPlusRewriteMs: Math.round(median(e)),
    redbackMs: Math.round(median(f)),
    redbackOverDownloadPlusLoad: Number((median(f) / median(d)).toFixed(2)),
    redbackOverDownloadPlusLoadPlusRewrite: Number((median(f) / median(e)).toFixed(2)),
    redbackSteps: steps,
  };
  console.log(`\nrestore-offsite of a ${mb(size)} RDB (${mb(result.storedBytes)} stored, local-directory target, median of ${rounds}):`);
  console.log(`  (d) download (stream + zstd -d) + redis-server load   ${fmtMs(result.downloadPlusLoadMs)}`);
  console.log(`  (e) (d) + AOF rewrite                                  ${fmtMs(result.downloadPlusLoadPlusRewriteMs)}`);
  console.log(`  (f) redback restore-offsite, end to end                ${fmtMs(result.redbackMs)}`);
  console.log(`  f/d ${result.redbackOverDownloadPlusLoad}   f/e ${result.redbackOverDownloadPlusLoadPlusRewrite}`);
  console.log(`  redback steps: ${Object.entries(steps).map(([k, v]) => `${k} ${v}ms`).join(', ')}`);
  console.log(JSON.stringify(result));
}

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true });
  const source = await TestRedisServer.start({ dir: join(root, 'source') });
  let dump: string;
  try {
    const valueBytes = 256 * 1024;
    const count = Math.ceil(targetBytes / valueBytes);
    process.stderr.write(`filling redis with ${count} random values of ${valueBytes} bytes...\n`);
    await fillRandom(source.client(), count, valueBytes, 'bench');
    await source.client().call('SAVE');
    dump = join(source.dir, 'dump.rdb');
  } finally {
    await source.stop();
  }
  const size = statSync(dump).size;

  const port = await freePort();
  const targetDir = join(root, 'target');
  mkdirSync(targetDir, { recursive: true });
  const confPath = join(targetDir, 'redis.conf');
  writeFileSync(confPath, confText(targetDir, port));
  const configPath = writeAgentConfig(root, {
    backupDir: join(root, 'backups'),
    schedules: { hourly: null, daily: null },
    instances: [{ name: 'bench', url: `redis://127.0.0.1:${port}`, configFile: confPath, control: { type: 'process' } }],
  });
  const ctx = createAgentContext(loadAgentConfig(configPath), silentLogger);
  const copy = await copyIntoTier(ctx, ctx.config.instances[0]!, 'manual', dump, { source: 'existing', redisRunId: null });
  process.stderr.write(`dump.rdb is ${mb(size)} (local copy ${copy.id}); ${rounds} rounds\n`);

  // Warm-up, not counted: the first pass of each phase pays for cold caches and, on VMs, for guest
  // memory touched for the first time (page cache for the staged copy, redis' heap).
  for (let w = 0; w < Number(process.env.BENCH_WARMUP ?? 1); w++) {
    await floor(targetDir, confPath, port, dump);
    await redback(targetDir, confPath, port, configPath, copy.id);
    await redbackInProcess(targetDir, confPath, port, configPath, copy.id);
    process.stderr.write('warm-up round done\n');
  }
  const a: number[] = [];
  const b: number[] = [];
  const c: number[] = [];
  const cp: number[] = [];
  const inproc: number[] = [];
  const stepTimes: Array<Record<string, number>> = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const f = await floor(targetDir, confPath, port, dump);
      a.push(f.loadMs);
      b.push(f.loadMs + f.rewriteMs);
      const r = await redback(targetDir, confPath, port, configPath, copy.id);
      c.push(r.ms);
      stepTimes.push(r.steps);
      inproc.push(await redbackInProcess(targetDir, confPath, port, configPath, copy.id));
      cp.push(await manualCopy(targetDir, confPath, port, copy.path));
      process.stderr.write(
        `round ${round + 1}: (a) load ${fmtMs(a.at(-1)!)}, (b) load+rewrite ${fmtMs(b.at(-1)!)}, (c) redback ${fmtMs(r.ms)}, (c') in-process ${fmtMs(inproc.at(-1)!)}, cp ${fmtMs(cp.at(-1)!)} (fetch ${r.steps['fetch-and-verify']} ms, load ${r.steps['wait-loaded']} ms, rewrite ${r.steps['enable-aof']} ms)\n`,
      );
    }
  } finally {
    await shutdown(port);
  }
  const steps = Object.fromEntries(Object.keys(stepTimes[0] ?? {}).map((k) => [k, Math.round(median(stepTimes.map((s) => s[k] ?? 0)))]));
  const stepSum = Object.values(steps).reduce((x, y) => x + y, 0);
  const result = {
    fileBytes: size,
    rounds,
    floorLoadMs: Math.round(median(a)),
    floorPlusRewriteMs: Math.round(median(b)),
    redbackMs: Math.round(median(c)),
    redbackOverFloorPlusRewrite: Number((median(c) / median(b)).toFixed(2)),
    redbackOverFloor: Number((median(c) / median(a)).toFixed(2)),
    redbackInProcessMs: Math.round(median(inproc)),
    inProcessOverFloorPlusRewrite: Number((median(inproc) / median(b)).toFixed(2)),
    perRoundRatiosCoverB: c.map((x, i) => Number((x / b[i]!).toFixed(2))),
    manualCopyMs: Math.round(median(cp)),
    redbackOverManual: Number((median(c) / (median(cp) + median(b))).toFixed(2)),
    redbackSteps: steps,
    redbackOutsideSteps: Math.round(median(c) - stepSum),
    targets: { redbackOverFloorPlusRewrite: 1.3 },
  };
  console.log(`\nrestore of a ${mb(size)} RDB (median of ${rounds}):`);
  console.log(`  (a) redis-server load at start-up        ${fmtMs(result.floorLoadMs)}`);
  console.log(`  (b) load + AOF rewrite                    ${fmtMs(result.floorPlusRewriteMs)}`);
  console.log(`  (c) redback restore-local, end to end     ${fmtMs(result.redbackMs)}`);
  console.log(`  (c') the same, in-process (the agent daemon) ${fmtMs(result.redbackInProcessMs)}`);
  console.log(`  c/b ${result.redbackOverFloorPlusRewrite}  (target ≤ 1.3)  ${result.redbackOverFloorPlusRewrite <= 1.3 ? 'OK' : 'OVER'}   per round: ${result.perRoundRatiosCoverB.join(' ')}`);
  console.log(`  c'/b ${result.inProcessOverFloorPlusRewrite}  (target ≤ 1.3)  ${result.inProcessOverFloorPlusRewrite <= 1.3 ? 'OK' : 'OVER'}`);
  console.log(`  c/a ${result.redbackOverFloor}`);
  console.log(`  for context: the seed's manual "copy the RDB backup" (cp into dir) ${fmtMs(result.manualCopyMs)}; c/(cp+b) ${result.redbackOverManual}`);
  console.log(`  redback steps: ${Object.entries(steps).map(([k, v]) => `${k} ${v}ms`).join(', ')}; outside the runbook (CLI start, diagnosis, plan): ${result.redbackOutsideSteps}ms`);
  console.log(JSON.stringify(result));
  if (process.env.BENCH_OFFSITE !== '0') {
    try {
      await offsiteBench(targetDir, confPath, port, configPath, copy.id, size);
    } finally {
      await shutdown(port);
    }
  }
  rmSync(root, { recursive: true, force: true });
}

await main();
