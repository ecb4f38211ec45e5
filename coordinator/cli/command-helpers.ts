import { RedbackError } from '../../shared/errors/index.js';
import { parseDuration } from '../../shared/time/clock.js';
import { ControlClient, type ConnectionFlags } from '../rpc/control-client.js';

/** Runs `fn` with a control client on the coordinator named by `flags`, closing it afterwards. */
export async function withClient<T>(flags: ConnectionFlags, fn: (client: ControlClient) => Promise<T>): Promise<T> {
  const client = new ControlClient(flags);
  try {
    return await fn(client);
  } finally {
    client.close();
  }
}

/** Exactly one of --instance and --all, or a USAGE error with `hint` as the example. */
export function requireInstanceOrAll(flags: { instance?: string; all?: boolean }, hint: string): void {
  if (!flags.instance === !flags.all) {
    throw new RedbackError('USAGE', 'name one instance with --instance, or every instance with --all', { hint });
  }
}

/** A `--timeout` flag in milliseconds (0 when absent); a bad duration is a USAGE error. */
export function timeoutFlagMs(timeout: string | undefined): number {
  if (!timeout) return 0;
  try {
    return parseDuration(timeout);
  } catch (err) {
    throw new RedbackError('USAGE', (err as Error).message);
  }
}
