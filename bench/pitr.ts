// npm run bench:pitr — point-in-time recovery from the continuous AOF archive (issue 10).
//
// A real redis-server (appendonly yes, appendfsync everysec, aof-timestamp-enabled yes) receives a
// steady stream of numbered writes `w:<n>` (pipelined ioredis, its own process, default 6 000/s)
// while the archiver ships the AOF to a local-directory offsite target every 10 s (zstd). After
// the run (default 180 s; --duration S, --quick = 40 s) the host is lost: redis killed (kill -9),
// the archiver stopped with it, the AOF directory, dump.rdb, the archiver's links and the local
// copies deleted. Then `redback agent recover --before latest --yes` restores from offsite.
//
// Prints: the RPO (writes lost = last acknowledged n − highest n restored, and in seconds from
// the writer's ack times), the archive's upload bytes against the AOF bytes Redis wrote, the
// bench process' CPU (the archiver: this process does nothing else) as a share of one core while
// shipping, and the restore's wall time. Targets: RPO ≤ 15 s, bytes ≤ 1.05×, CPU < 5 %.
// Flags: --duration S, --quick, --rate N (writes/s), --interval S (archive interval).
import { fork } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createArchiver } from '../agent/archive/archive-session.js';
import { createAgentContext } from '../agent/agent-context.js';
import { loadAgentConfig } from '../shared/config/agent-config.js';
import { silentLogger } from '../shared/log/logger.js';
import { writeAgentConfig } from '../test/helpers/agent-fixture.js';
import { runCli } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/ports.js';
import { TestRedisServer } from '../test/helpers/redis-server.js';
import { fmtMs, mb } from './bench-util.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const quick = process.argv.includes('--quick');
const durationS = Number(flag('duration') ?? (quick ? 40 : 180));
const rate = Number(flag('rate') ?? 6000);
const intervalS = Number(flag('interval') ?? 10);
const root = process.env.BENCH_DIR ?? join(tmpdir(), `redback-pitr-bench-${process.pid}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface WriterReport {
  acked: number;
  at: number;
  done?: boolean;
  samples?: Array<[number, number]>;
}

function client(port: number): Redis {
  const c = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, retryStrategy: () => null });
  c.on('error', () => undefined);
  return c;
}

/** Highest n with w:1..n all present (the AOF replays in order: the restored keys are a prefix). */
async function highestRestored(port: number, upper: number): Promise<number> {
  const c = client(port);
  try {
    let lo = 0;
    let hi = upper;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if ((await c.exists(`w:${mid}`)) === 1) lo = mid;
      else hi = mid - 1;
    }
    // the prefix really is complete
    if (lo > 0 && (await c.exists(`w:1`, `w:${Math.ceil(lo / 2)}`, `w:${lo}`)) !== 3) throw new Error('restored keys are not a prefix');
    return lo;
  } finally {
    c.disconnect();
  }
}

function dirBytes(dir: string, filter: (name: string) => boolean = () => true): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isFile() && filter(e.name)) total += statSync(join(dir, e.name)).size;
  return total;
}

async function main(): Promise<void> {
  rmSync(root, { recursive: true, force: true });
  const redisDir = join(root, 'redis');
  const backupDir = join(root, 'backups');
  const offsiteDir = join(root, 'offsite');
  const port = await freePort();
  const server = await TestRedisServer.start({
    dir: redisDir,
    port,
    appendonly: true,
    appendfsync: 'everysec',
    extraConfig: ['aof-timestamp-enabled yes', 'aof-use-rdb-preamble yes', 'auto-aof-rewrite-percentage 0'], // no rewrite: the AOF bytes written are the files' sizes at the end
  });
  const configPath = writeAgentConfig(root, {
    agentId: 'bench-host',
    backupDir,
    schedules: { hourly: null, daily: null },
    offsite: { type: 'local', path: offsiteDir, prefix: 'redback' },
    instances: [{ name: 'main', url: `redis://127.0.0.1:${port}`, configFile: server.confPath, control: { type: 'process' } }],
  });
  const ctx = createAgentContext(loadAgentConfig(configPath), silentLogger);
  const instance = ctx.config.instances[0]!;
  const archiver = await createArchiver(ctx, instance, undefined, intervalS * 1000);

  console.log(`bench:pitr: ${durationS}s of ${rate} writes/s, archive every ${intervalS}s (zstd, local-directory target), redis ${port}, dir ${root}`);
  const writer = fork(new URL('./pitr-writer.js', import.meta.url).pathname, [String(port), String(rate)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let last: WriterReport = { acked: 0, at: Date.now() };
  let final: WriterReport | null = null;
  const finished = new Promise<void>((resolve) => {
    writer.on('message', (m: WriterReport) => {
      last = m;
      if (m.done) {
        final = m;
        resolve();
      }
    });
    writer.on('exit', () => resolve());
  });
  writer.on('error', () => undefined); // a writer gone early shows as 0 writes acknowledged below

  await sleep(500);
  const cpu0 = process.cpuUsage();
  const wall0 = Date.now();
  archiver.start();
  const startedAt = Date.now();
  while (Date.now() - startedAt < durationS * 1000) {
    await sleep(Math.min(15_000, durationS * 1000 - (Date.now() - startedAt)));
    const c = archiver.counters();
    console.log(`  ${Math.round((Date.now() - startedAt) / 1000)}s: ${last.acked} writes acknowledged, ${c.segments} segments, ${mb(c.shippedBytes)} shipped, ${mb(c.uploadedBytes)} uploaded`);
  }

  // The disaster: the host is gone (redis and the agent with it).
  await server.kill9();
  const killedAt = Date.now();
  await archiver.stop();
  const cpu = process.cpuUsage(cpu0);
  const wallMs = Date.now() - wall0;
  if (writer.connected) writer.send('stop');
  await finished;
  writer.kill();
  const report = (final ?? last) as WriterReport;
  const lastAcked = report.acked;
  if (lastAcked === 0) throw new Error('the writer acknowledged no write (see its error above)');
  const counters = archiver.counters();
  const aofDir = join(redisDir, 'appendonlydir');
  const aofBytes = dirBytes(aofDir, (n) => /\.(base\.rdb|base\.aof|incr\.aof)$/.test(n));
  const actualRate = lastAcked / ((killedAt - startedAt) / 1000);
  for (const e of readdirSync(redisDir)) if (e !== 'redis.conf') rmSync(join(redisDir, e), { recursive: true, force: true });
  rmSync(backupDir + '/main', { recursive: true, force: true });

  const t0 = Date.now();
  const run = await runCli(['agent', 'recover', '--config', configPath, '--instance', 'main', '--before', 'latest', '--yes'], { timeoutMs: 30 * 60_000 });
  const restoreMs = Date.now() - t0;
  if (run.code !== 0) {
    console.error(run.stdout, run.stderr);
    throw new Error(`recover exited ${run.code}`);
  }
  const reflects = /AOF archive at (\S+)/.exec(run.stdout)?.[1] ?? '?';
  // where the restore's time goes: each step of the runbook and its duration
  const steps = [...run.stdout.matchAll(/^\[\d+\/\d+\] ([a-z-]+):[^\n]*\n(?:[^\n[]*\n)*?\s+done \(([^)]+)\)/gm)].map((m) => `${m[1]} ${m[2]}`);
  const restored = await highestRestored(port, lastAcked);
  const samples = report.samples ?? [];
  const ackTime = (n: number) => samples.find(([a]) => a >= n)?.[1] ?? killedAt;
  const lostWrites = lastAcked - restored;
  const rpoS = lostWrites === 0 ? 0 : (ackTime(lastAcked) - ackTime(restored + 1)) / 1000;
  const cpuShare = (cpu.user + cpu.system) / 1000 / wallMs;
  const ratio = counters.uploadedBytes / aofBytes;
  const plainRatio = counters.shippedBytes / aofBytes;

  const shut = client(port);
  await shut.call('SHUTDOWN', 'NOSAVE').catch(() => undefined);
  shut.disconnect();

  console.log('');
  console.log(`writes:        ${lastAcked} acknowledged (${Math.round(actualRate)}/s), highest restored w:${restored}; data reflects ${reflects}`);
  console.log(`RPO:           ${lostWrites} writes lost = ${rpoS.toFixed(1)} s (target ≤ 15 s at a ${intervalS} s interval) ${rpoS <= 15 ? 'OK' : 'MISSED'}`);
  console.log(`bytes:         ${mb(counters.uploadedBytes)} uploaded (${counters.segments} segments + bases, records included) for ${mb(aofBytes)} of AOF written (${mb(counters.shippedBytes)} shipped plain, ${plainRatio.toFixed(3)}× before zstd): ${ratio.toFixed(3)}× (target ≤ 1.05×) ${ratio <= 1.05 && plainRatio <= 1.05 ? 'OK' : 'MISSED'}`);
  console.log(`archiver CPU:  ${(cpuShare * 100).toFixed(2)} % of one core over ${fmtMs(wallMs)} (target < 5 %) ${cpuShare < 0.05 ? 'OK' : 'MISSED'}`);
  console.log(`restore:       ${fmtMs(restoreMs)} (redback agent recover --before latest: download, verify, replay, load, AOF rewrite)`);
  console.log(`  steps:       ${steps.join(', ')}`);
  for (const line of run.stdout.split('\n').filter((l) => !l.includes('fetch-and-verify:') && /downloaded the base|nothing to cut|cut \S+ at|replayed in a scratch|staged the RDB/.test(l))) console.log(`  fetch:       ${line.trim()}`);
  console.log(JSON.stringify({ bench: 'pitr', durationS, rate: Math.round(actualRate), intervalS, lastAcked, restored, lostWrites, rpoS, uploadedBytes: counters.uploadedBytes, shippedBytes: counters.shippedBytes, aofBytes, ratio, plainRatio, cpuShare, restoreMs, reflects }));
  if (!process.env.BENCH_KEEP) rmSync(root, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
