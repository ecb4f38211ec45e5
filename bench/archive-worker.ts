// Child of archive.bench.ts: runs the AOF archiver of one instance for BENCH_SECONDS at
// BENCH_INTERVAL_MS and prints its CPU time (process.cpuUsage) and counters as one JSON line.
import { createAgentContext } from '../agent/agent-context.js';
import { createArchiver } from '../agent/archive/archive-session.js';
import { loadAgentConfig } from '../shared/config/agent-config.js';
import { silentLogger } from '../shared/log/logger.js';

const [configPath, seconds, intervalMs] = process.argv.slice(2) as [string, string, string];
const ctx = createAgentContext(loadAgentConfig(configPath), silentLogger);
const archiver = await createArchiver(ctx, ctx.config.instances[0]!, undefined, Number(intervalMs));
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let rounds = 0;
let maxLagSeconds = 0;
const end = t0 + Number(seconds) * 1000;
while (performance.now() < end) {
  const r = await archiver.runRound();
  rounds++;
  maxLagSeconds = Math.max(maxLagSeconds, r.status.lagSeconds);
  const wait = Math.min(Number(intervalMs), end - performance.now());
  if (wait > 0) await new Promise((res) => setTimeout(res, wait));
}
// a last round ships what the final interval wrote
await archiver.runRound();
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - t0;
await archiver.stop();
process.stdout.write(JSON.stringify({ rounds, wallMs, cpuUserUs: cpu.user, cpuSystemUs: cpu.system, ...archiver.counters(), maxLagSeconds }) + '\n');
