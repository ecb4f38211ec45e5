import type { Command } from 'commander';
import { action, examples } from '../../shared/cli/run-command.js';

/** `redback drill`: the command and its help; the work is in drill-run.ts (loaded when it runs). */
export function registerDrillCommand(program: Command, connectionOptions: (cmd: Command) => Command): void {
  connectionOptions(program.command('drill'))
    .description(
      'restore drill: restore the newest (or a chosen) copy of an instance into a scratch redis-server (or another instance), compare the key counts with its manifest, record the recovery time (exit 20 if it fails)',
    )
    .requiredOption('--instance <name>', 'the instance whose copy is drilled (NAME or AGENT/NAME); the instance itself is never touched')
    .option('--target-instance <name>', 'restore into this other instance of the same agent through the safe restore runbook (its data is moved aside), instead of a scratch redis-server')
    .option('--backup <id>', 'a local copy id or an offsite set id (default: the newest)')
    .option('--source <where>', 'local or offsite', 'local')
    .option('--dry-run', 'say which copy would go where; start nothing')
    .option('--timeout <duration>', "give up after this long, e.g. 2h (default: the coordinator's jobs.defaultTimeout)")
    .addHelpText(
      'after',
      examples(
        'redback drill --instance main',
        'redback drill --instance host1/main --source offsite --json',
        'redback drill --instance main --backup 20261124T031500Z-3fa9c1',
        'redback drill --instance main --target-instance main-drill --dry-run',
      ) +
        '\nA scratch drill starts a throwaway redis-server on 127.0.0.1 (free port, temp dir, no saves) and removes it after.\n' +
        'Schedule drills with `drills:` in the coordinator config; `redback instances` shows each last drill and its RTO.\n',
    )
    .action(action(async (flags) => (await import('./drill-run.js')).runDrill(flags)));
}
