import { Command, CommanderError } from 'commander';
import { EXIT_CODE_TABLE } from '../shared/errors/index.js';
import { REDBACK_VERSION } from '../shared/version/version.js';
import { registerAgentCommands } from '../agent/cli/register.js';
import { registerCoordinatorCommands } from '../coordinator/cli/register.js';

/**
 * The one `redback` command tree. Agent commands live in agent/cli, coordinator and operator
 * commands in coordinator/cli; this file only puts them together (the two sides never import each
 * other).
 */
export function buildProgram(): Command {
  const program = new Command('redback')
    .version(REDBACK_VERSION)
    .description('redback keeps fleets of Redis servers recoverable: verified local copies, offsite sets, safe restores.')
    .showHelpAfterError('(add --help for usage and examples)')
    .exitOverride((err: CommanderError) => {
      // Help and version exit 0; any usage problem exits 2, as documented.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') process.exit(0);
      process.exit(2);
    })
    .addHelpText(
      'after',
      `\nExit codes:\n${EXIT_CODE_TABLE.map((e) => `  ${String(e.exit).padStart(2)}  ${e.meaning}`).join('\n')}\n`,
    );
  registerAgentCommands(program);
  registerCoordinatorCommands(program);
  return program;
}
