// npm run demo — a small local fleet doing its real job, narrated:
//   a coordinator, three Redis servers with data, and an agent for each (separate processes);
//   scheduled copies flowing into the catalog, an on-demand backup, `redback status`, and a
//   failure drill: Redis crashes and its AOF is lost (the AOF trap), then one command recovers it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../../test/helpers/cli.js';
import { TestFleet } from '../../test/helpers/fleet-fixture.js';
import { waitFor } from '../../test/helpers/redis-server.js';
import { escapesAllowed } from '../../shared/output/terminal.js';

const args = process.argv.slice(2);
const unknown = args.filter((a) => a !== '--keep');
if (unknown.length > 0) {
  process.stderr.write(`demo: unknown argument ${unknown.join(' ')}\nusage: bash deploy/demo/run.sh [--keep]   (--keep: leave the fleet running afterwards)\n`);
  process.exit(2);
}
const keep = args.includes('--keep');
const dir = mkdtempSync(join(tmpdir(), 'redback-demo-'));
const fleet = new TestFleet(dir);

function say(text: string): void {
  process.stdout.write(escapesAllowed(process.stdout) ? `\n\x1b[1m== ${text}\x1b[0m\n` : `\n== ${text}\n`);
}

async function show(args: string[], env: NodeJS.ProcessEnv = fleet.env): Promise<CliResult> {
  process.stdout.write(`$ redback ${args.join(' ')}\n`);
  const r = await runCli(args, { env });
  process.stdout.write(r.stdout);
  if (r.stderr.trim()) process.stdout.write(r.stderr);
  if (r.code !== 0) process.stdout.write(`(exit ${r.code})\n`);
  return r;
}

async function main(): Promise<void> {
  say(`a coordinator on 127.0.0.1 with a fast fleet schedule (a copy every 5 s), working in ${dir}`);
  await fleet.writeCoordinatorConfig({ schedules: { defaults: { hourly: '*/5 * * * * *', daily: null } } });
  await fleet.startCoordinator();

  say('three Redis servers with data (every type, two databases), each with its agent');
  for (const id of ['demo-1', 'demo-2', 'demo-3']) {
    const agent = await fleet.addAgent(id, { redis: { appendonly: true, appendfsync: 'always' } });
    await fleet.startAgent(agent);
  }
  await show(['agents']);

  say('the agents take scheduled copies; the catalog learns of them');
  await waitFor(async () => {
    const r = await runCli(['backups', '--json'], { env: fleet.env });
    const list = JSON.parse(r.stdout) as Array<{ agentId: string }>;
    return new Set(list.map((b) => b.agentId)).size === 3;
  }, 60_000, 500);
  await show(['backups']);
  await show(['instances']);

  say('an on-demand backup of one instance, followed to the end');
  await show(['backup', '--instance', 'demo-2/main', '--wait']);

  say('what on-call asks first');
  await show(['status']);

  await failureDrill();

  say('one agent dies: the coordinator notices');
  await fleet.agents[2]!.process!.kill9();
  await waitFor(async () => (await runCli(['status', '--json'], { env: fleet.env })).stdout.includes('"stale"'), 20_000, 300);
  await show(['status']);
}

/** Redis of demo-1 crashes and its AOF directory is lost: the trap, then one command. */
async function failureDrill(): Promise<void> {
  const agent = fleet.agents[0]!;
  say('failure drill on demo-1: kill -9 of redis-server and its AOF directory deleted (the AOF trap)');
  const before = await agent.redis.client().dbsize();
  await agent.redis.kill9();
  rmSync(join(agent.redis.dir, 'appendonlydir'), { recursive: true, force: true });
  process.stdout.write(`demo-1 had ${before} keys in db0; redis-server is down and appendonlydir/ is gone.\n`);
  process.stdout.write('Starting Redis now would load nothing and later overwrite dump.rdb with an empty dataset.\n');
  const dry = await show(['agent', 'recover', '--config', agent.config, '--instance', 'main', '--dry-run']);
  if (dry.code !== 0) return;
  await show(['agent', 'recover', '--config', agent.config, '--instance', 'main', '--yes']);
  const after = await agent.redis.client().dbsize().catch(() => -1);
  process.stdout.write(`demo-1 has ${after} keys in db0 again (was ${before}), with the AOF back on.\n`);
}

/** --keep: the fleet stays up until Ctrl-C (or SIGTERM); says how to look at it and how to stop it. */
async function keepRunning(): Promise<void> {
  const env = fleet.env;
  const cli = join(process.cwd(), 'bin', 'redback.js');
  say('the fleet keeps running (--keep)');
  process.stdout.write(
    [
      'Look at it from another terminal:',
      `  export REDBACK_COORDINATOR=${env.REDBACK_COORDINATOR} REDBACK_TOKEN=${env.REDBACK_TOKEN}`,
      `  node ${cli} status`,
      `  node ${cli} backups`,
      `  node ${cli} instances`,
      `  node ${cli} agent list --config ${fleet.agents[0]!.config}`,
      `Files: ${dir}`,
      `Stop it: Ctrl-C here, or: kill -INT ${process.pid}`,
      'FLEET RUNNING',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  process.stdout.write('\nstopping the fleet\n');
}

let failed = false;
try {
  await main();
  say('done');
  if (keep) await keepRunning();
} catch (err) {
  failed = true;
  process.stderr.write(`demo failed: ${(err as Error).stack ?? err}\n`);
} finally {
  // Ctrl-C on a terminal also reaches the fleet's processes: stopping what already stopped is fine.
  await fleet.stop().catch(() => undefined);
  await fleet.stopControlledRedis().catch(() => undefined);
  if (keep) process.stdout.write(`fleet stopped; its files are kept in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
