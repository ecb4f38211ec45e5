import { asRedbackError, formatErrorLine } from '../shared/errors/index.js';
import { buildProgram } from './program.js';

// A crash outside a command's own error handling (an 'error' event nobody listened to) still ends
// with the one-line error and a documented exit code, never a bare stack trace.
process.on('uncaughtException', (err) => {
  const error = asRedbackError(err);
  process.stderr.write(formatErrorLine(error) + '\n');
  if (process.env.REDBACK_DEBUG) process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(error.exitCode);
});

const program = buildProgram();
await program.parseAsync(process.argv);
