import { Command } from 'commander';
import { action, examples } from '../../shared/cli/run-command.js';
import { registerRestoreCommands } from './register-restore.js';
import { registerDrillCommand } from './drill-commands.js';

const ops = () => import('./operator-commands.js');
const offsiteOps = () => import('./offsite-commands.js');

function connectionOptions(cmd: Command): Command {
  return cmd
    .option('--coordinator <host:port>', 'coordinator address (env REDBACK_COORDINATOR, default 127.0.0.1:7400)')
    .option('--token <token>', 'admin token (env REDBACK_TOKEN)')
    .option('--tls-ca <file>', 'CA certificate of the coordinator (env REDBACK_TLS_CA); turns TLS on')
    .option('--tls-cert <file>', 'client certificate for mutual TLS (env REDBACK_TLS_CERT)')
    .option('--tls-key <file>', 'client key for mutual TLS (env REDBACK_TLS_KEY)')
    .option('--tls-servername <name>', 'expected name in the coordinator certificate')
    .option('--json', 'print JSON');
}

/** The coordinator daemon and the operator's fleet commands (clients of the coordinator). */
export function registerCoordinatorCommands(program: Command): void {
  const coordinator = program.command('coordinator').description('the fleet control plane');
  coordinator
    .command('run')
    .description('run the coordinator: agent sessions, catalog, fleet schedule, jobs, metrics')
    .requiredOption('--config <file>', 'coordinator config (YAML)')
    .addHelpText('after', examples('REDBACK_ADMIN_TOKEN=... REDBACK_AGENT_TOKEN=... redback coordinator run --config coordinator.yaml'))
    .action(action(async (flags: { config: string }) => (await import('../run-coordinator.js')).runCoordinator(flags)));

  connectionOptions(program.command('status'))
    .description('what on-call asks first: silent agents, unprotected instances, failed jobs (exit 14 if any)')
    .addHelpText('after', examples('redback status', 'redback status --json --coordinator coord:7400 --token $REDBACK_TOKEN'))
    .action(action(async (flags) => (await ops()).runStatus(flags)));

  const agents = connectionOptions(program.command('agents'))
    .description('agents, their liveness (online / stale / offline) and last heartbeat')
    .addHelpText('after', examples('redback agents', 'redback agents --json', 'redback agents forget old-host-3 --dry-run'))
    .action(action(async (flags) => (await ops()).runAgents(flags)));
  connectionOptions(agents.command('forget'))
    .description('remove a decommissioned agent: its instances and local copy records leave the catalog (nothing on the host is touched)')
    .argument('<agent-id>', 'the agent, as `redback agents` lists it')
    .option('--force', 'also when it is connected (its session is closed; stop the agent first or it comes back)')
    .option('--dry-run', 'say what would be removed, remove nothing')
    .addHelpText('after', examples('redback agents forget old-host-3 --dry-run', 'redback agents forget old-host-3'))
    .action(
      // `agents` defines the same connection options: commander hands them to the parent, so merge.
      action(async (agentId: string, _flags: object, cmd: Command) => (await ops()).runForgetAgent(agentId, cmd.optsWithGlobals())),
    );

  connectionOptions(program.command('instances'))
    .description('every Redis instance in the fleet with its health and newest copies')
    .addHelpText('after', examples('redback instances', 'redback instances --json'))
    .action(action(async (flags) => (await ops()).runInstances(flags)));

  connectionOptions(program.command('backups'))
    .description('the catalog: every copy and every place it lives')
    .option('--instance <name>', 'only this instance (NAME or AGENT/NAME)')
    .option('--all', 'include copies that no longer exist anywhere')
    .addHelpText('after', examples('redback backups', 'redback backups --instance main --json'))
    .action(action(async (flags) => (await ops()).runBackups(flags)));

  connectionOptions(program.command('jobs'))
    .description('recent jobs and their outcome')
    .option('--instance <name>', 'only this instance')
    .option('--state <state>', 'queued, sent, running, succeeded, failed, cancelled or timed-out')
    .option('--limit <n>', 'how many', '50')
    .addHelpText('after', examples('redback jobs', 'redback jobs --state failed --json'))
    .action(action(async (flags) => (await ops()).runJobs(flags)));

  connectionOptions(program.command('cancel'))
    .description('cancel a queued or running job (the agent stops at its next safe point)')
    .argument('<job-id>', 'the job, as `redback jobs` lists it')
    .addHelpText('after', examples('redback cancel 20261124T031500Z-snapshot-3fa9c1'))
    .action(action(async (jobId: string, flags) => (await ops()).runCancel(jobId, flags)));

  const policy = program.command('policy').description('persistence policy (S1, S2): save rules and AOF settings per instance, as the coordinator config says');
  const policyCmds = () => import('./policy-commands.js');
  connectionOptions(policy.command('show'))
    .description("every instance's persistence settings against its policy, drift marked")
    .option('--instance <name>', 'only this instance (NAME or AGENT/NAME)')
    .addHelpText('after', examples('redback policy show', 'redback policy show --instance host1/main --json'))
    .action(action(async (flags) => (await policyCmds()).runPolicyShow(flags)));
  connectionOptions(policy.command('apply'))
    .description('bring instances to their policy through their agents (CONFIG SET, then CONFIG REWRITE); prints each change')
    .option('--instance <name>', 'NAME or AGENT/NAME')
    .option('--all', 'every instance in the fleet')
    .option('--dry-run', 'list the changes; change nothing')
    .option('--yes', 'apply (without it: the plan is shown and nothing changes)')
    .option('--timeout <duration>', "give up after this long, e.g. 10m (default: the coordinator's jobs.defaultTimeout)")
    .addHelpText('after', examples('redback policy apply --all --dry-run', 'redback policy apply --instance host1/main --yes', 'redback policy apply --all --yes --json'))
    .action(action(async (flags) => (await policyCmds()).runPolicyApply(flags)));

  connectionOptions(program.command('backup'))
    .description('take a copy of an instance (or of every instance) now, through its agent')
    .option('--instance <name>', 'NAME or AGENT/NAME')
    .option('--all', 'every instance in the fleet (one job each)')
    .option('--tier <tier>', 'hourly, daily or manual', 'manual')
    .option('--wait', 'follow the job with a progress bar until it ends')
    .option('--timeout <duration>', 'give up (and cancel) after this long, e.g. 30m (default: the coordinator\'s jobs.defaultTimeout)')
    .addHelpText('after', examples('redback backup --instance main --wait', 'redback backup --instance host1/main --tier hourly --json', 'redback backup --all'))
    .action(action(async (flags) => (await ops()).runBackup(flags)));

  connectionOptions(program.command('upload'))
    .description('upload an offsite set (RDB, AOF, redis.conf, ACL) of an instance now, agent to store')
    .option('--instance <name>', 'NAME or AGENT/NAME')
    .option('--all', 'every instance in the fleet, started as the upload caps allow')
    .option('--wait', 'follow the upload with a progress bar until it ends (with --json: one JSON line per event)')
    .option('--timeout <duration>', 'give up (and cancel) after this long (default: offsite.uploadTimeout)')
    .addHelpText('after', examples('redback upload --instance main --wait', 'redback upload --instance host1/main --wait --json', 'redback upload --all'))
    .action(action(async (flags) => (await offsiteOps()).runUpload(flags)));

  connectionOptions(program.command('copy'))
    .description("move a copy to another agent's backup directory, relayed by the coordinator (checked there: size, SHA-256, CRC-64)")
    .option('--backup <id>', 'the copy, as `redback backups` lists it')
    .option('--to-agent <agent>', 'the agent that receives it')
    .option('--instance <name>', "the copy's instance (NAME or AGENT/NAME) when the id is not unique")
    .option('--from-agent <agent>', 'take it from this agent (default: any connected agent that holds it)')
    .option('--to-instance <name>', 'file it under this instance of the target (default: the same name)')
    .option('--timeout <duration>', "give up after this long, e.g. 30m (default: the coordinator's jobs.defaultTimeout)")
    .addHelpText('after', examples('redback copy --backup 20261124T031500Z-3fa9c1 --to-agent host2', 'redback copy --backup 20261124T031500Z-3fa9c1 --to-agent host2 --to-instance cache-new --json'))
    .action(action(async (flags) => (await import('./copy-commands.js')).runCopy(flags)));

  registerDrillCommand(program, connectionOptions);

  const offsite = program.command('offsite').description('offsite sets: list, verify, prune');
  connectionOptions(offsite.command('list'))
    .description('the offsite sets in the catalog, newest first')
    .option('--instance <name>', 'only this instance (NAME or AGENT/NAME)')
    .option('--objects', 'also every object of each set with its size and SHA-256')
    .addHelpText('after', examples('redback offsite list', 'redback offsite list --instance main --objects', 'redback offsite list --json'))
    .action(action(async (flags) => (await offsiteOps()).runOffsiteList(flags)));
  connectionOptions(offsite.command('verify'))
    .description('re-read sets in the store: manifests and sizes; with data, every SHA-256, the RDB and the AOF (exit 8 if a set is bad)')
    .option('--instance <name>', 'only this instance')
    .option('--set <id>', 'only this set')
    .option('--read-data', 'download, decrypt and decompress every object and check it')
    .option('--read-data-subset <n%>', 'read the data of this share of each set\'s objects (chosen at random)')
    .addHelpText('after', examples('redback offsite verify', 'redback offsite verify --instance main --read-data', 'redback offsite verify --read-data-subset 10% --json'))
    .action(action(async (flags) => (await offsiteOps()).runOffsiteVerify(flags)));
  connectionOptions(offsite.command('prune'))
    .description('offsite retention: keep offsite.retention (30 days by default), never the newest complete set or a locked object')
    .option('--instance <name>', 'only this instance')
    .option('--dry-run', 'print the plan with a reason per set; delete nothing')
    .addHelpText('after', examples('redback offsite prune --dry-run', 'redback offsite prune', 'redback offsite prune --dry-run --json'))
    .action(action(async (flags) => (await offsiteOps()).runOffsitePrune(flags)));

  registerRestoreCommands(program, connectionOptions);

  const catalog = program.command('catalog').description('the coordinator\'s catalog');
  connectionOptions(catalog.command('rebuild'))
    .description('rebuild the catalog from the offsite manifests and the agents\' inventories (after the SQLite file was lost)')
    .option('--dry-run', 'say what would be recorded; change nothing')
    .addHelpText('after', examples('redback catalog rebuild --dry-run', 'redback catalog rebuild'))
    .action(action(async (flags) => (await offsiteOps()).runCatalogRebuild(flags)));
}
