// npm run demo — a small local fleet doing its real job, narrated:
//   a coordinator with an offsite target (a local directory, or S3 when one is given), two hosts
//   each with an agent and its own Redis (separate processes); hourly copies flowing into the
//   catalog; the nightly offsite set uploaded; one host losing its AOF, dump.rdb and every local
//   copy and coming back from offsite with one command; `redback status` at the end.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliResult } from '../../test/helpers/cli.js';
import { TestFleet } from '../../test/helpers/fleet-fixture.js';
import { TestRedisServer, waitFor } from '../../test/helpers/redis-server.js';
import { escapesAllowed } from '../../shared/output/terminal.js';

const USAGE = 'usage: bash deploy/demo/run.sh [--keep] [--s3 ENDPOINT/BUCKET]\n  --keep  leave the fleet running afterwards\n  --s3    upload to this S3-compatible endpoint (credentials from the AWS environment), e.g. --s3 http://127.0.0.1:9000/redback\n';
const args = process.argv.slice(2);
let keep = false;
let s3: string | undefined;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--keep') keep = true;
  else if (args[i] === '--s3' && args[i + 1]) s3 = args[++i];
  else {
    process.stderr.write(`demo: unknown argument ${args[i]}\n${USAGE}`);
    process.exit(2);
  }
}
const dir = mkdtempSync(join(tmpdir(), 'redback-demo-'));
const fleet = new TestFleet(dir);
let spare: TestRedisServer | undefined;

function say(text: string): void {
  process.stdout.write(escapesAllowed(process.stdout) ? `\n\x1b[1m== ${text}\x1b[0m\n` : `\n== ${text}\n`);
}

function note(text: string): void {
  process.stdout.write(`${text}\n`);
}

async function show(args: string[], env: NodeJS.ProcessEnv = fleet.env): Promise<CliResult> {
  process.stdout.write(`$ redback ${args.join(' ')}\n`);
  const r = await runCli(args, { env });
  process.stdout.write(r.stdout);
  if (r.stderr.trim()) process.stdout.write(r.stderr);
  if (r.code !== 0) process.stdout.write(`(exit ${r.code})\n`);
  return r;
}

/**
 * Like show, but the demo cannot go on when the command fails. `brief` keeps the output short:
 * only the lines it accepts are printed (cut to the terminal's width), with a count of the rest.
 */
async function must(args: string[], brief?: (line: string) => boolean): Promise<CliResult> {
  if (!brief) {
    const r = await show(args);
    if (r.code !== 0) throw new Error(`redback ${args.join(' ')} exited ${r.code}`);
    return r;
  }
  process.stdout.write(`$ redback ${args.join(' ')}\n`);
  const r = await runCli(args, { env: fleet.env });
  const lines = (r.stderr + r.stdout).split('\n').filter((l) => l.trim() !== '');
  // A runbook's step lines are long: the demo shows the step's name only.
  const kept = lines
    .filter(brief)
    .map((l) => l.replace(/^(\[\d+\/\d+\] [\w-]+):.*$/, '$1'))
    .filter((l, i, all) => l !== all[i - 1]);
  const width = Math.max(60, process.stdout.columns ?? 110);
  for (const line of kept) process.stdout.write(`${line.length > width ? `${line.slice(0, width - 1)}…` : line}\n`);
  if (kept.length < lines.length) process.stdout.write(`  (${lines.length - kept.length} more lines: the full diagnosis, plan and checks)\n`);
  if (r.code !== 0) {
    process.stdout.write(r.stdout + r.stderr);
    throw new Error(`redback ${args.join(' ')} exited ${r.code}`);
  }
  return r;
}

/** The lines of a runbook's output worth showing in the demo: each step, and the outcome. */
function runbookLine(): (line: string) => boolean {
  let inOutcome = false;
  return (line) => {
    if (/^(restore|recover) \S+: [A-Z-]+/.test(line)) inOutcome = true;
    if (inOutcome) return !/^\s+step\s/.test(line);
    return /^\[\d+\/\d+\] /.test(line);
  };
}

/** The lines of a plan worth showing in the demo. */
const planLine = (line: string): boolean => /^\s*(Recovery plan|Restore plan|scenario|why|source|target|size|data lost|runbook|dry run)\b/.test(line);

function offsiteTarget(): Record<string, unknown> {
  const common = { prefix: 'demo', schedule: '0 2 * * *', catchUpAfter: null, pruneAfterUpload: false };
  if (!s3) return { type: 'local', path: join(dir, 'offsite'), ...common };
  const url = new URL(s3);
  const bucket = url.pathname.replace(/^\/+|\/+$/g, '');
  return { type: 's3', endpoint: url.origin, bucket, forcePathStyle: true, checksumMode: 'WHEN_REQUIRED', region: process.env.AWS_REGION ?? 'us-east-1', ...common };
}

async function main(): Promise<void> {
  const target = offsiteTarget();
  say(`a coordinator on 127.0.0.1: a copy every 5 s, offsite sets to ${target.type === 'local' ? `the directory ${String(target.path)}` : s3}`);
  await fleet.writeCoordinatorConfig({ schedules: { defaults: { hourly: '*/5 * * * * *', daily: null } }, offsite: target });
  await fleet.startCoordinator();

  say('two hosts, each with a Redis holding data (every type, two databases, AOF on) and its agent; demo-2 also has an empty spare Redis');
  spare = await TestRedisServer.start({ dir: join(dir, 'redis-demo-2-spare'), appendonly: true });
  await fleet.startAgent(await fleet.addAgent('demo-1', { redis: { appendonly: true, appendfsync: 'always' } }));
  const demo2 = await fleet.addAgent('demo-2', { redis: { appendonly: true, appendfsync: 'always' } });
  addSpareInstance(demo2.config, spare);
  await fleet.startAgent(demo2);
  await show(['agents']);

  say('the agents take scheduled copies; the catalog learns of them');
  await waitFor(async () => {
    const r = await runCli(['backups', '--json'], { env: fleet.env });
    const list = JSON.parse(r.stdout) as Array<{ agentId: string }>;
    return new Set(list.map((b) => b.agentId)).size === 2;
  }, 60_000, 500);
  await show(['backups']);

  say('the nightly offsite set of every instance (S7), started now instead of at 02:00');
  await must(['upload', '--instance', 'demo-1/main', '--wait']);
  await must(['upload', '--instance', 'demo-2/main', '--wait']);
  await show(['offsite', 'list']);

  await hostLoss();
  await restoreElsewhere();

  say('what on-call looks at, once every instance has taken its next copy');
  await waitFor(async () => (await runCli(['status'], { env: fleet.env })).code === 0, 30_000, 500).catch(() => undefined);
  await show(['instances']);
  await show(['status']);
}

/** S11: demo-1 loses its AOF, dump.rdb and every local copy; one command brings it back from offsite. */
async function hostLoss(): Promise<void> {
  const agent = fleet.agents[0]!;
  say('disaster on demo-1: redis-server killed, its AOF directory, dump.rdb and every local copy deleted');
  const before = await agent.redis.client().dbsize();
  await agent.redis.kill9();
  rmSync(join(agent.redis.dir, 'appendonlydir'), { recursive: true, force: true });
  rmSync(join(agent.redis.dir, 'dump.rdb'), { force: true });
  rmSync(join(agent.backupDir, 'main'), { recursive: true, force: true });
  note(`demo-1 had ${before} keys in db0; now nothing is left on the host but redis.conf.`);
  await must(['recover', '--instance', 'demo-1/main', '--dry-run'], planLine);
  await must(['recover', '--instance', 'demo-1/main', '--yes'], runbookLine());
  const after = await agent.redis.client().dbsize().catch(() => -1);
  note(`demo-1 has ${after} keys in db0 again (was ${before}), from the offsite set, with the AOF back on.`);
}

/** demo-1's data brought up on the other host, in the spare Redis: the coordinator picks the copy. */
async function restoreElsewhere(): Promise<void> {
  say("demo-1's data restored onto the spare Redis of the other host (demo-2/spare)");
  note(`demo-2/spare has ${await spare!.client().dbsize()} keys in db0.`);
  await must(['restore', '--instance', 'demo-1/main', '--target-instance', 'demo-2/spare', '--dry-run'], planLine);
  await must(['restore', '--instance', 'demo-1/main', '--target-instance', 'demo-2/spare', '--yes'], runbookLine());
  note(`demo-2/spare has ${await spare!.client().dbsize()} keys in db0 now; its own first offsite set:`);
  await must(['upload', '--instance', 'demo-2/spare', '--wait']);
}

/** Adds the empty spare Redis to an agent's config as instance "spare" (process control). */
function addSpareInstance(configPath: string, server: TestRedisServer): void {
  const config = parse(readFileSync(configPath, 'utf8')) as { instances: unknown[] };
  config.instances.push({ name: 'spare', url: server.url, configFile: server.confPath, control: { type: 'process' } });
  writeFileSync(configPath, stringify(config));
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
  await spare?.stop().catch(() => undefined);
  if (keep) process.stdout.write(`fleet stopped; its files are kept in ${dir}\n`);
  else rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
