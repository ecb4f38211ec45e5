// npm run bench:transfer — a copy relayed agent → coordinator → agent against a plain `cp` of the
// same file on this machine, and the coordinator's peak memory while it relays.
//
// Starts a real fleet (coordinator and two agent processes, each with its redis-server), fills the
// first Redis with `-- --mib N` MiB (or BENCH_BYTES; default 1 GiB) of random 64 KiB values, takes a verified copy on
// agent A, then times in one run:
//   (a) cp:       `cp` of that copy's file into B's backup directory (and `cp` + `sync FILE`)
//   (b) redback:  `redback copy --backup ID --to-agent B`: A reads (one chunk ahead) and uploads in 1 MiB chunks,
//                 the coordinator relays with backpressure, B hashes (SHA-256), walks the RDB
//                 (CRC-64), writes and fdatasyncs, then files it with its manifest
// Throughput of (b) uses the receiving job's own time (from its start to the copy filed); the
// wall time of the whole command (CLI start, job dispatch) is printed too. The coordinator's RSS
// is sampled from /proc/<pid>/status every 20 ms during (b): its peak minus its RSS before the
// transfer is what relaying cost. Prints the ratio b/a and a JSON line with the numbers.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, runCliJson } from '../test/helpers/cli.js';
import { fillRandom } from '../test/helpers/fill-redis.js';
import { TestFleet } from '../test/helpers/fleet-fixture.js';
import { fmtMs, mb } from './bench-util.js';

// Size: `-- --mib N` (or BENCH_BYTES); 1 GiB by default.
const mibFlag = process.argv.indexOf('--mib');
const mibArg = mibFlag >= 0 ? Number(process.argv[mibFlag + 1]) : NaN;
if (mibFlag >= 0 && !(Number.isInteger(mibArg) && mibArg > 0)) {
  process.stderr.write('usage: npm run bench:transfer -- [--mib N]   (N a whole number of MiB, e.g. --mib 256)\n');
  process.exit(2);
}
const targetBytes = mibFlag >= 0 ? mibArg * 1024 * 1024 : Number(process.env.BENCH_BYTES ?? 1024 * 1024 * 1024);
const root = process.env.BENCH_DIR ?? join(tmpdir(), `redback-transfer-bench-${process.pid}`);

function rssKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return m ? Number(m[1]) : 0;
}

mkdirSync(root, { recursive: true });
const fleet = new TestFleet(root);
try {
  await fleet.writeCoordinatorConfig({ jobs: { defaultTimeout: '30m' } });
  const coordinator = await fleet.startCoordinator();
  const a = await fleet.addAgent('A', { redis: { appendonly: false } });
  const b = await fleet.addAgent('B');
  const valueBytes = 64 * 1024;
  process.stderr.write(`filling redis A with ${mb(targetBytes)} of random values...\n`);
  await fillRandom(a.redis.client(), Math.ceil(targetBytes / valueBytes), valueBytes, 'bench');
  await fleet.startAgent(a);
  await fleet.startAgent(b);
  const backup = await runCliJson(['backup', '--instance', 'A/main', '--wait', '--json', '--timeout', '30m'], { env: fleet.env, timeoutMs: 30 * 60_000 });
  if (backup.code !== 0) throw new Error(`backup failed: ${backup.stderr}`);
  const m = backup.json.result.manifest as { id: string; path: string; bytes: number };
  process.stderr.write(`copy ${m.id} on A: ${mb(m.bytes)}\n`);
  // The catalog lists it once A's copy event is applied.
  for (let i = 0; i < 100; i++) {
    const list = await runCliJson(['backups', '--instance', 'A/main', '--json'], { env: fleet.env });
    if (list.json.some((x: { id: string }) => x.id === m.id)) break;
    await new Promise((r) => setTimeout(r, 200));
  }

  // (a) plain cp of the same file (page cache warm for both: the copy was just written).
  const cpTarget = join(b.backupDir, 'cp-baseline.rdb');
  let t0 = performance.now();
  execFileSync('cp', [m.path, cpTarget]);
  const cpMs = performance.now() - t0;
  rmSync(cpTarget);
  t0 = performance.now();
  execFileSync('cp', [m.path, cpTarget]);
  execFileSync('sync', [cpTarget]);
  const cpSyncMs = performance.now() - t0;
  rmSync(cpTarget);

  // (b) the relay.
  const pid = coordinator.child.pid!;
  const rssBeforeKb = rssKb(pid, 'VmRSS');
  let peakKb = rssBeforeKb;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, rssKb(pid, 'VmRSS'))), 20);
  t0 = performance.now();
  const copy = await runCli(['copy', '--backup', m.id, '--to-agent', 'B', '--json'], { env: fleet.env, timeoutMs: 30 * 60_000 });
  const wallMs = performance.now() - t0;
  clearInterval(sampler);
  if (copy.code !== 0) throw new Error(`copy failed (exit ${copy.code}): ${copy.stderr}`);
  const result = JSON.parse(copy.stdout) as { ms: number; bytes: number; manifest: { path: string; sha256: string } };
  const hwmKb = rssKb(pid, 'VmHWM');
  if (statSync(result.manifest.path).size !== m.bytes) throw new Error('the received copy has another size');

  const mibps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
  const out = {
    bytes: m.bytes,
    cpMs: Math.round(cpMs),
    cpSyncMs: Math.round(cpSyncMs),
    relayMs: result.ms,
    relayWallMs: Math.round(wallMs),
    cpMiBps: Math.round(mibps(m.bytes, cpMs)),
    cpSyncMiBps: Math.round(mibps(m.bytes, cpSyncMs)),
    relayMiBps: Math.round(mibps(m.bytes, result.ms)),
    ratioVsCp: Number((result.ms / cpMs).toFixed(2)),
    ratioVsCpSync: Number((result.ms / cpSyncMs).toFixed(2)),
    coordinatorRssBeforeMiB: Math.round(rssBeforeKb / 1024),
    coordinatorRssPeakMiB: Math.round(peakKb / 1024),
    coordinatorRssGrowthMiB: Math.round((peakKb - rssBeforeKb) / 1024),
    coordinatorVmHwmMiB: Math.round(hwmKb / 1024),
  };
  process.stdout.write(
    [
      `transfer of ${mb(m.bytes)} (agent A → coordinator → agent B, verified, fdatasync'ed):`,
      `  cp                 ${fmtMs(cpMs)} (${out.cpMiBps} MiB/s); cp + sync ${fmtMs(cpSyncMs)} (${out.cpSyncMiBps} MiB/s)`,
      `  redback copy       ${fmtMs(result.ms)} (${out.relayMiBps} MiB/s); whole command ${fmtMs(wallMs)}`,
      `  ratio              ${out.ratioVsCp}x cp, ${out.ratioVsCpSync}x cp + sync`,
      `  coordinator RSS    ${out.coordinatorRssBeforeMiB} MiB before, peak ${out.coordinatorRssPeakMiB} MiB during the transfer (+${out.coordinatorRssGrowthMiB} MiB); VmHWM ${out.coordinatorVmHwmMiB} MiB`,
      JSON.stringify(out),
    ].join('\n') + '\n',
  );
} finally {
  await fleet.stop().catch(() => undefined);
  rmSync(root, { recursive: true, force: true });
}
