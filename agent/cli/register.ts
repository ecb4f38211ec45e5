import { Command, Option } from 'commander';
import { action, examples } from '../../shared/cli/run-command.js';
import { runDailyCommand, runListCommand, runPruneCommand, runSnapshotCommand, runVerifyCommand } from './local-commands.js';
import { runAgentDaemon } from '../daemon/run-daemon.js';

const CONFIG_FLAG = ['--config <file>', 'agent config (YAML)', process.env.REDBACK_AGENT_CONFIG ?? '/etc/redback/agent.yaml'] as const;

/** `redback agent ...`: commands that run on a Redis host and need no coordinator. */
export function registerAgentCommands(program: Command): void {
  const agent = program.command('agent').description('commands that run on a Redis host (no coordinator needed)');

  agent
    .command('run')
    .description('run the agent daemon: scheduled copies, retention, and (when configured) the coordinator session')
    .option(...CONFIG_FLAG)
    .addHelpText('after', examples('redback agent run --config /etc/redback/agent.yaml'))
    .action(action((flags: { config: string }) => runAgentDaemon(flags)));

  agent
    .command('snapshot')
    .description('take a verified local copy of an instance now')
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--tier <tier>', 'hourly, daily or manual', 'manual')
    .addOption(new Option('--mode <mode>', 'bgsave (fresh fork) or existing (copy dump.rdb if recent)').choices(['bgsave', 'existing']))
    .option('--json', 'print the copy manifest as JSON')
    .addHelpText(
      'after',
      examples(
        'redback agent snapshot --config agent.yaml --instance main',
        'redback agent snapshot --config agent.yaml --instance main --tier hourly --json',
      ),
    )
    .action(action(runSnapshotCommand));

  agent
    .command('daily')
    .description("make today's daily copy (hard link of the day's first good copy, or a fresh snapshot)")
    .option(...CONFIG_FLAG)
    .requiredOption('--instance <name>', 'instance name from the config')
    .option('--json', 'print the daily copy manifest as JSON')
    .addHelpText('after', examples('redback agent daily --config agent.yaml --instance main'))
    .action(action(runDailyCommand));

  agent
    .command('list')
    .description('list local copies')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent list --config agent.yaml', 'redback agent list --config agent.yaml --instance main --json'))
    .action(action(runListCommand));

  agent
    .command('prune')
    .description('apply retention: delete copies their tier no longer keeps (--dry-run shows why each is kept or deleted)')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--dry-run', 'show the decisions, delete nothing')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent prune --config agent.yaml --dry-run', 'redback agent prune --config agent.yaml --instance main'))
    .action(action(runPruneCommand));

  agent
    .command('verify')
    .description('re-read every copy (size, SHA-256, RDB CRC-64); exits 8 naming each bad copy')
    .option(...CONFIG_FLAG)
    .option('--instance <name>', 'only this instance')
    .option('--no-quarantine', 'leave bad copies in place (default: move them to quarantine/)')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('redback agent verify --config agent.yaml', 'redback agent verify --config agent.yaml --instance main --json'))
    .action(action(runVerifyCommand));
}
