// npm run bench:archive — continuous AOF archiving under a steady write load.
//
// A real redis-server (appendonly yes, appendfsync everysec, aof-timestamp-enabled yes) receives
// numbered SETs at BENCH_RATE per second (default 5000) for BENCH_SECONDS (default 60) while the
// archiver runs in its own process at BENCH_INTERVAL_MS (default 10 000) against a local-directory
// target (BENCH_VALUES=random for incompressible values). Reports the AOF bytes written, the bytes uploaded (data objects, records, the index) and
// their ratio (target ≤ 1.05), and the archiver's CPU share of one core (process.cpuUsage of its
// process over its wall time; target < 5 %). Then a JSON line with the numbers.
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAgentConfig } from '../test/helpers/agent-fixture.js';
import { TestRedisServer } from '../test/helpers/redis-server.js';
import { mb, runNodeJson } from './bench-util.js';

const rate = Number(process.env.BENCH_RATE ?? 5000);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const intervalMs = Number(process.env.BENCH_INTERVAL_MS ?? 10_000);
const root = process.env.BENCH_DIR ?? join(tmpdir(), `redback-archive-bench-${process.pid}`);
/** `numbered` (compressible, like counters and ids) or `random` (32 random bytes per value, base64: the worst case for zstd). */
const values = process.env.BENCH_VALUES ?? 'numbered';
const here = dirname(fileURLToPath(import.meta.url));

mkdirSync(root, { recursive: true });
const redis = await TestRedisServer.start({ dir: join(root, 'redis'), appendonly: true, appendfsync: 'everysec', extraConfig: ['aof-timestamp-enabled yes'] });
try {
  const configPath = writeAgentConfig(root, {
    agentId: 'bench-host',
    backupDir: join(root, 'backups'),
    schedules: { hourly: null, daily: null },
    offsite: { type: 'local', path: join(root, 'offsite'), prefix: 'bench' },
    instances: [{ name: 'main', url: redis.url, configFile: redis.confPath, archive: { interval: intervalMs / 1000 } }],
  });
  const aofDir = join(redis.dir, 'appendonlydir');
  const aofBytes = () => readdirSync(aofDir).filter((f) => f.includes('.incr.')).reduce((n, f) => n + statSync(join(aofDir, f)).size, 0);
  const c = redis.client();
  await c.set('warmup', '1');
  const worker = runNodeJson<{ rounds: number; wallMs: number; cpuUserUs: number; cpuSystemUs: number; shippedBytes: number; uploadedBytes: number; segments: number; maxLagSeconds: number }>(
    join(here, 'archive-worker.js'),
    [configPath, String(seconds), String(intervalMs)],
  );
  // steady numbered writes: batches of rate/20 every 50 ms
  const start = performance.now();
  const aof0 = aofBytes();
  let n = 0;
  const batch = Math.max(1, Math.round(rate / 20));
  while (performance.now() - start < seconds * 1000) {
    const p = c.pipeline();
    for (let i = 0; i < batch; i++, n++) p.set(`bench:${n}`, values === 'random' ? randomBytes(32).toString('base64') : `value-${n}-${Date.now()}`);
    await p.exec();
    const due = start + ((n / rate) * 1000);
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const written = aofBytes() - aof0;
  const writeSeconds = (performance.now() - start) / 1000;
  const w = await worker;
  const cpuShare = (w.cpuUserUs + w.cpuSystemUs) / 1000 / w.wallMs;
  process.stderr.write(
    [
      `writes: ${n} in ${writeSeconds.toFixed(1)} s (${(n / writeSeconds).toFixed(0)}/s); AOF grew ${mb(written)}`,
      `archiver (${intervalMs / 1000} s interval): ${w.rounds} rounds, ${w.segments} segments, shipped ${mb(w.shippedBytes)}, uploaded ${mb(w.uploadedBytes)} = ${(w.uploadedBytes / written).toFixed(3)}× the AOF growth (target ≤ 1.05)`,
      `archiver CPU: ${(cpuShare * 100).toFixed(2)} % of one core (user ${(w.cpuUserUs / 1e6).toFixed(2)} s + system ${(w.cpuSystemUs / 1e6).toFixed(2)} s over ${(w.wallMs / 1000).toFixed(1)} s; target < 5 %)`,
    ].join('\n') + '\n',
  );
  process.stdout.write(JSON.stringify({ writes: n, writesPerSecond: n / writeSeconds, aofBytes: written, ...w, uploadRatio: w.uploadedBytes / written, cpuShare }) + '\n');
  c.disconnect();
} finally {
  await redis.stop();
  if (!process.env.BENCH_DIR) rmSync(root, { recursive: true, force: true });
}
