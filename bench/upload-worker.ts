// One offsite set upload by redback in its own process, so its peak RSS is its own.
// Usage: node upload-worker.js <agent.yaml> <instance>
import { readFileSync } from 'node:fs';
import { createAgentContext, findInstance } from '../agent/agent-context.js';
import { openOffsite, uploadWithConfig } from '../agent/offsite/offsite-session.js';
import { loadAgentConfig } from '../shared/config/agent-config.js';
import { silentLogger } from '../shared/log/logger.js';

const [configPath, name] = process.argv.slice(2) as [string, string];
const ctx = createAgentContext(loadAgentConfig(configPath), silentLogger);
const instance = findInstance(ctx.config, name);
const access = await openOffsite(ctx);
const t0 = performance.now();
const outcome = await uploadWithConfig(ctx, instance, access);
const ms = performance.now() - t0;
const hwm = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
process.stdout.write(
  JSON.stringify({ ms, plainBytes: outcome.plainBytes, storedBytes: outcome.storedBytes, objects: outcome.manifest.objects.length, source: outcome.manifest.rdbSource.kind, maxRssBytes: hwm }) + '\n',
);
