import { Command, Option } from 'commander';
import { action, examples } from '../../shared/cli/run-command.js';

// Implementations are imported when a command runs, so `redback --help` and the coordinator's
// commands do not pay for loading the agent's dependencies (ioredis, zod schemas, ...).
const local = () => import('./local-commands.js');
const recover = () => import('./recover-commands.js');
const offsite = () => import('./offsite-commands.js');

const CONFIG_FLAG = ['--config <file>', 'agent config (YAML)', process.env.REDBACK_AGENT_CONFIG ?? '/etc/redback/agent.yaml'] as const;

/** `redback agent ...`: commands that run on a Redis host and need no coordinator. */
export function registerAgentCommands(program: Command): void {
  program
    .command('inspect')
    .description('read any RDB file (without loading it): version, redis-ver, creation time, used memory, keys and expires per database, checksum; exits 8 naming the problem when it is not a loadable RDB')
    .argument('<file>', 'an RDB file (dump.rdb, a copy, a file from elsewhere)')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback inspect /var/lib/redis/dump.rdb', 'redback inspect backup.rdb --json'))
    .action(action(async (file: string, flags: { json?: boolean }) => (await import('./inspect-command.js')).runInspectCommand(file, flags)));

  const agent = program.command('agent').description('commands that run on a Redis host (no coordinator needed)');

  agent
    .command('run')
    .description('run the agent daemon: scheduled copies, retention, and (when configured) the coordinator session')
    .option(...CONFIG_FLAG)
    .addHelpText('after', examples('redback agent run --config /etc/redback/agent.yaml'))
    .action(action(async (flags: { config: string }) => (await import('../daemon/run-daemon.js')).runAgentDaemon(flags)));

  agent
    .command('archive-status')
    .description('continuous AOF archiving: lag (seconds and bytes not yet offsite), coverage per epoch, gaps; exits 19 when an archive has a gap')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent archive-status --config agent.yaml', 'redback agent archive-status --config agent.yaml --instance main --json'))
    .action(action(async (flags) => (await import('./archive-commands.js')).runArchiveStatusCommand(flags)));

  agent
    .command('archive')
    .description('ship the AOF bytes not yet offsite now (one round of continuous archiving; the daemon runs one every interval); exits 19 on a gap')
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent archive --config agent.yaml --instance main'))
    .action(action(async (flags) => (await import('./archive-commands.js')).runArchiveOnceCommand(flags)));

  agent
    .command('snapshot')
    .description('take a verified local copy of an instance now')
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--tier <tier>', 'hourly, daily or manual', 'manual')
    .addOption(new Option('--mode <mode>', 'bgsave (fresh fork) or existing (copy dump.rdb if recent)').choices(['bgsave', 'existing']))
    .option('--force', 'take the copy even when the key count fell to 0 or by more than snapshot.maxKeyDrop (an intended FLUSHALL)')
    .option('--json', 'print the copy manifest as JSON')
    .addHelpText(
      'after',
      examples(
        'redback agent snapshot --config agent.yaml --instance main',
        'redback agent snapshot --config agent.yaml --instance main --tier hourly --json',
        'redback agent snapshot --config agent.yaml --instance main --force   # after an intended FLUSHALL',
      ),
    )
    .action(action(async (flags) => (await local()).runSnapshotCommand(flags)));

  agent
    .command('daily')
    .description("make today's daily copy (hard link of the day's first good copy, or a fresh snapshot)")
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--json', 'print the daily copy manifest as JSON')
    .addHelpText('after', examples('redback agent daily --config agent.yaml --instance main'))
    .action(action(async (flags) => (await local()).runDailyCommand(flags)));

  agent
    .command('list')
    .description('list local copies')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent list --config agent.yaml', 'redback agent list --config agent.yaml --instance main --json'))
    .action(action(async (flags) => (await local()).runListCommand(flags)));

  agent
    .command('prune')
    .description('apply retention: delete copies their tier no longer keeps (--dry-run shows why each is kept or deleted)')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--dry-run', 'show the decisions, delete nothing')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent prune --config agent.yaml --dry-run', 'redback agent prune --config agent.yaml --instance main'))
    .action(action(async (flags) => (await local()).runPruneCommand(flags)));

  agent
    .command('verify')
    .description('re-read every copy (size, SHA-256, RDB CRC-64); exits 8 naming each bad copy')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--no-quarantine', 'leave bad copies in place (default: move them to quarantine/)')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent verify --config agent.yaml', 'redback agent verify --config agent.yaml --instance main --json'))
    .action(action(async (flags) => (await local()).runVerifyCommand(flags)));

  agent
    .command('upload')
    .description('upload an offsite set of an instance now: RDB, AOF, redis.conf, ACL file (zstd, optional encryption), manifest last')
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--json', 'print the set manifest as JSON')
    .addHelpText('after', examples('redback agent upload --config agent.yaml --instance main', 'redback agent upload --config agent.yaml --instance main --json'))
    .action(action(async (flags) => (await offsite()).runUploadCommand(flags)));

  agent
    .command('offsite-list')
    .description('list the offsite sets of this agent\'s instances (complete ones are restorable)')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent offsite-list --config agent.yaml', 'redback agent offsite-list --config agent.yaml --instance main --json'))
    .action(action(async (flags) => (await offsite()).runOffsiteListCommand(flags)));

  agent
    .command('recover')
    .description('diagnose an instance, show the runbook that fixes it and why, then run it (restart, repair-aof, restore-local or restore-offsite)')
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--dry-run', 'print the diagnosis and the plan; change nothing')
    .option('--yes', 'do not ask for confirmation (needed when not on a terminal)')
    .option('--backup <id>', 'restore this local copy or offsite set id (or "dump" for the instance\'s own dump.rdb)')
    .option('--before <time>', 'restore to this ISO 8601 time (UTC unless it has an offset): to the second from the continuous AOF archive when it covers the time, else the newest local copy, dump.rdb or offsite set at or before it; "latest" = the newest second the archive shipped')
    .option('--with-config', 'also restore redis.conf and the ACL file from the offsite set (the current ones are moved aside)')
    .addOption(new Option('--runbook <name>', 'run this runbook instead of the one the diagnosis chose').choices(['restart', 'repair-aof', 'restore-local', 'restore-offsite']))
    .option('--resume', 'continue an interrupted run')
    .option('--rollback', 'undo an interrupted or failed run')
    .option('--close', 'close an unfinished run as it stands, after showing its state (nothing is undone or redone)')
    .option('--json', 'print the diagnosis, plan and report as JSON')
    .addHelpText(
      'after',
      examples(
        'redback agent recover --config agent.yaml --instance main --dry-run',
        'redback agent recover --config agent.yaml --instance main --yes',
        'redback agent recover --config agent.yaml --instance main --backup 20261124T031500Z-3fa9c1',
        'redback agent recover --config agent.yaml --instance main --backup 20261124T020000Z-9c1e2a --with-config   # an offsite set, with its redis.conf',
        'redback agent recover --config agent.yaml --instance main --before 2026-11-24T03:00:00Z --dry-run   # the state before a bad write',
        'redback agent recover --config agent.yaml --instance main --before latest --yes   # host lost: the newest second the AOF archive shipped',
        'redback agent recover --config agent.yaml --instance main --resume',
        'redback agent recover --config agent.yaml --instance main --close --dry-run',
      ),
    )
    .action(action(async (flags) => (await recover()).runRecoverCommand(flags)));

  agent
    .command('check-aof')
    .description('run redis-check-aof on the instance\'s AOF manifest; --fix repairs a torn last file (original kept); exits 8 when damaged')
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--fix', 'truncate a damaged last AOF file with redis-check-aof --fix (redis must be stopped)')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent check-aof --config agent.yaml --instance main', 'redback agent check-aof --config agent.yaml --instance main --fix'))
    .action(action(async (flags) => (await recover()).runCheckAofCommand(flags)));

  agent
    .command('start')
    .description('start an instance through its control, refusing when the AOF trap would destroy its data')
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent start --config agent.yaml --instance main'))
    .action(action(async (flags) => (await recover()).runStartCommand(flags)));
}
