import type { Command } from 'commander';
import { action, examples } from '../../shared/cli/run-command.js';

const restoreOps = () => import('./restore-commands.js');

/** `redback restore` and `redback recover`: restores driven from the coordinator (issue 9). */
export function registerRestoreCommands(program: Command, connectionOptions: (cmd: Command) => Command): void {
  connectionOptions(program.command('restore'))
    .description(
      "restore an instance from a copy the coordinator picks (the target host's own copy, then offsite), through the target's agent: pre-flight, then the safe restore (S12)",
    )
    .requiredOption('--instance <name>', 'whose data: NAME or AGENT/NAME')
    .option('--backup <id>', 'a local copy id or an offsite set id (redback backups, redback offsite list), or latest')
    .option('--before <time>', 'restore to this time (ISO; no offset = UTC): to the second from the AOF archive when the recovery window covers it, else the newest copy at or before it; "latest" = the newest archived second')
    .option('--source <where>', 'local (the target host), offsite, archive (the AOF archive), or agent:ID (another host, streamed); default: the nearest')
    .option('--target-instance <name>', 'restore into this instance instead (NAME or AGENT/NAME, any host)')
    .option('--with-config', "also put back redis.conf and the ACL file (offsite sets carry them)")
    .option('--dry-run', 'print the plan (source, data lost, size, target, steps); change nothing')
    .option('--yes', 'do it without asking (required when stdin is not a terminal)')
    .option('--timeout <duration>', 'give up after this long (default 6h)')
    .addHelpText(
      'after',
      examples(
        'redback restore --instance cache-07 --dry-run',
        'redback restore --instance cache-07 --before 2026-11-24T02:00:00Z --yes',
        'redback restore --instance host1/cache-07 --source offsite --yes',
        'redback restore --instance host1/cache-07 --before 2026-12-03T02:00:00Z --dry-run   # to the second, from the AOF archive',
        'redback restore --instance host1/cache-07 --target-instance host2/scratch --yes --json',
      ),
    )
    .action(action(async (flags) => (await restoreOps()).runRestore(flags)));

  connectionOptions(program.command('recover'))
    .description("diagnose an instance on its agent and run the runbook that fixes it (restart, repair-aof, restore-local, restore-offsite)")
    .requiredOption('--instance <name>', 'NAME or AGENT/NAME')
    .option('--dry-run', 'print the diagnosis and the plan; change nothing')
    .option('--yes', 'do it without asking (required when stdin is not a terminal)')
    .option('--timeout <duration>', 'give up after this long (default 6h)')
    .addHelpText('after', examples('redback recover --instance cache-07 --dry-run', 'redback recover --instance host1/cache-07 --yes', 'redback recover --instance cache-07 --yes --json'))
    .action(action(async (flags) => (await restoreOps()).runRecover(flags)));
}
