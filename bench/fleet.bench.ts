// npm run bench:fleet — a real coordinator process against N simulated agents (real gRPC sessions,
// each its own TCP connection, in a few child processes) for N = 100, 1000, 5000 at 5 s heartbeats.
// Reports heartbeats handled per second, the coordinator's CPU share and RSS, and p50/p99 from
// triggering a fleet-wide command (`redback backup --all`) to each agent receiving it.
// Target: 5000 agents on 2 cores with p99 < 250 ms. Both sides share this machine's cores.
import { fork } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { ControlClient } from '../coordinator/rpc/control-client.js';
import { CliProcess } from '../test/helpers/cli-process.js';
import { freePort } from '../test/helpers/ports.js';
import { waitFor } from '../test/helpers/redis-server.js';
import { mb } from './bench-util.js';

const here = dirname(fileURLToPath(import.meta.url));
const ADMIN = 'bench-admin-token-0123456789';
const AGENT = 'bench-agent-token-0123456789';
const sizes = (process.env.BENCH_FLEET_SIZES ?? '100,1000,5000').split(',').map(Number);
const intervalMs = Number(process.env.BENCH_HEARTBEAT_MS ?? 5000);
const windowMs = Number(process.env.BENCH_WINDOW_MS ?? 20_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, clock ticks of 10 ms
}

function memory(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function heartbeatsTotal(metricsPort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return Number(/^redback_heartbeats_total (\d+)/m.exec(text)?.[1] ?? 0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runSize(n: number): Promise<Record<string, number>> {
  const dir = join(tmpdir(), `redback-fleet-bench-${process.pid}-${n}`);
  const port = await freePort();
  const metricsPort = await freePort();
  const config = join(dir, 'coordinator.yaml');
  rmSync(dir, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(dir, { recursive: true });
  writeFileSync(
    config,
    stringify({
      listen: `127.0.0.1:${port}`,
      catalog: join(dir, 'catalog.db'),
      auth: { adminToken: ADMIN, agentToken: AGENT },
      metrics: { listen: `127.0.0.1:${metricsPort}` },
      heartbeat: { interval: `${intervalMs}ms`, staleAfterMissed: 3, offlineAfter: '5m' },
      schedules: { maxForksPerMinute: Math.max(10, Math.ceil(n / 60) + 1) },
      log: { level: 'info' },
    }),
  );
  const coordinator = new CliProcess(['coordinator', 'run', '--config', config]);
  await waitFor(async () => {
    if (coordinator.child.exitCode !== null) throw new Error(`coordinator exited: ${coordinator.output()}`);
    try {
      await fetch(`http://127.0.0.1:${metricsPort}/healthz`);
      return true;
    } catch {
      return false;
    }
  }, 30_000, 100);
  const pid = coordinator.child.pid!;
  const workers = Math.min(Number(process.env.BENCH_SIM_PROCESSES ?? 4), Math.max(1, Math.ceil(n / 500)));
  const per = Math.ceil(n / workers);
  const children = Array.from({ length: workers }, (_, w) =>
    fork(join(here, 'fleet-sim-worker.js'), [`127.0.0.1:${port}`, AGENT, `sim${w}`, String(w * per), String(Math.min(n, (w + 1) * per)), String(intervalMs)], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const t0 = Date.now();
  const connected = Promise.all(children.map((c) => new Promise<void>((resolve) => c.on('message', (m: { type: string }) => m.type === 'connected' && resolve()))));
  await Promise.race([connected, new Promise((_, reject) => setTimeout(() => reject(new Error(`not all ${n} sessions connected within 120 s`)), 120_000))]);
  const connectMs = Date.now() - t0;
  process.stderr.write(`N=${n}: ${n} sessions up in ${connectMs} ms; warming up\n`);
  await new Promise((r) => setTimeout(r, intervalMs + 2000));

  const cpu0 = cpuSeconds(pid);
  const hb0 = await heartbeatsTotal(metricsPort);
  const w0 = Date.now();
  await new Promise((r) => setTimeout(r, windowMs));
  const elapsed = (Date.now() - w0) / 1000;
  const heartbeatsPerSecond = ((await heartbeatsTotal(metricsPort)) - hb0) / elapsed;
  const cpuShare = (cpuSeconds(pid) - cpu0) / elapsed; // 1.0 = one full core
  const mem = memory(pid);

  const client = new ControlClient({ coordinator: `127.0.0.1:${port}`, token: ADMIN });
  const latencies: number[] = [];
  const sessionErrors: Record<string, number> = {};
  let triggerRpcMs = 0;
  for (let round = 0; round < rounds; round++) {
    const before = Date.now();
    const jobs = await client.triggerFleetBackup({ tier: 'manual', timeoutMs: 60_000 }, 60_000);
    triggerRpcMs = Math.max(triggerRpcMs, Date.now() - before);
    if (jobs.length !== n) throw new Error(`expected ${n} jobs, got ${jobs.length}`);
    const times: number[] = [];
    await waitFor(async () => {
      const batches = await Promise.all(
        children.map((c) => new Promise<number[]>((resolve) => {
          const onMessage = (m: { type: string; times?: number[]; errors?: Record<string, number> }) => {
            if (m.type === 'received') {
              c.off('message', onMessage);
              for (const [reason, count] of Object.entries(m.errors ?? {})) sessionErrors[reason] = (sessionErrors[reason] ?? 0) + count;
              resolve(m.times!);
            }
          };
          c.on('message', onMessage);
          c.send({ type: 'received' });
        })),
      );
      for (const b of batches) times.push(...b);
      return times.length >= n;
    }, 60_000, 200);
    latencies.push(...times.map((t) => t - before));
    if (process.env.BENCH_DEBUG) process.stderr.write(`round ${round}: rpc ${Date.now() - before} ms, first ${Math.min(...times) - before} ms, last ${Math.max(...times) - before} ms\n`);
    await new Promise((r) => setTimeout(r, 2000));
  }
  client.close();
  // How long the coordinator itself took to encode and write every command of a round.
  const fanOutMs = coordinator.logs().filter((l) => l.msg === 'jobs created').map((l) => Number(l.sendMs));
  for (const c of children) c.send({ type: 'stop' });
  await coordinator.stop();
  rmSync(dir, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  if (Object.keys(sessionErrors).length) process.stderr.write(`N=${n}: sessions that failed and reconnected: ${JSON.stringify(sessionErrors)}\n`);
  return {
    agents: n,
    connectMs,
    heartbeatsPerSecond: Math.round(heartbeatsPerSecond),
    expectedHeartbeatsPerSecond: Math.round(n / (intervalMs / 1000)),
    coordinatorCpuShare: Number(cpuShare.toFixed(3)),
    coordinatorRssBytes: mem.rss,
    coordinatorPeakRssBytes: mem.hwm,
    commandP50Ms: percentile(latencies, 50),
    commandP99Ms: percentile(latencies, 99),
    commandMaxMs: latencies.at(-1)!,
    coordinatorFanOutMs: Math.max(...fanOutMs),
    triggerRpcMs,
  };
}

const results = [];
for (const n of sizes) results.push(await runSize(n));
console.log(`\nfleet: coordinator vs N simulated agents, heartbeats every ${intervalMs / 1000} s (2 cores shared with the simulators)`);
console.log('   N   hb/s (expected)  coord CPU  coord RSS (peak)      cmd p50   cmd p99   cmd max  coord fan-out');
for (const r of results) {
  console.log(
    `${String(r.agents).padStart(5)}  ${String(r.heartbeatsPerSecond).padStart(5)} (${String(r.expectedHeartbeatsPerSecond).padStart(5)})   ${(r.coordinatorCpuShare! * 100).toFixed(1).padStart(6)}%  ${mb(r.coordinatorRssBytes!).padStart(10)} (${mb(r.coordinatorPeakRssBytes!)})  ${String(r.commandP50Ms).padStart(6)} ms ${String(r.commandP99Ms).padStart(6)} ms ${String(r.commandMaxMs).padStart(6)} ms  ${String(r.coordinatorFanOutMs).padStart(6)} ms`,
  );
}
const big = results.find((r) => r.agents === 5000);
if (big) console.log(`target: 5000 agents with p99 < 250 ms: ${big.commandP99Ms! < 250 ? 'OK' : 'OVER'} (p99 ${big.commandP99Ms} ms)`);
console.log(JSON.stringify(results));
