// One run of redback's copy pipeline in its own process, so its peak RSS is its own.
// Usage: node snapshot-worker.js <source.rdb> <backupDir>
import { readFileSync } from 'node:fs';
import { createAgentContext } from '../agent/agent-context.js';
import { copyIntoTier } from '../agent/snapshot/take-snapshot.js';
import { silentLogger } from '../shared/log/logger.js';

const [source, backupDir] = process.argv.slice(2) as [string, string];
const config = {
  backupDir,
  timezone: 'UTC',
  schedules: { hourly: null, daily: null },
  retention: { hourly: null, daily: null, manual: null },
  snapshot: { mode: 'existing', maxAge: 0, bgsaveTimeout: 0, pollInterval: 0, allowUnchecksummed: false, maxKeyDrop: 0.9 },
  log: { level: 'fatal' },
  instances: [{ name: 'bench', url: 'redis://127.0.0.1:1' }],
} as const;
const ctx = createAgentContext(config as never, silentLogger);
const t0 = performance.now();
const manifest = await copyIntoTier(ctx, config.instances[0] as never, 'manual', source, { source: 'existing', redisRunId: null });
const ms = performance.now() - t0;
// Peak RSS of this process: VmHWM belongs to this address space (getrusage's maxrss can carry the
// RSS of the parent that forked us, e.g. the benchmark process holding the dataset it wrote).
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
process.stdout.write(JSON.stringify({ ms, bytes: manifest.bytes, maxRssBytes: hwm, path: manifest.path }) + '\n');
