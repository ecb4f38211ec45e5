import { readFileSync } from 'node:fs';
import { Redis, type RedisOptions } from 'ioredis';
import { RedbackError } from '../../shared/errors/index.js';
import type { TlsFiles } from '../../shared/config/common-schemas.js';
import { redactUrl } from '../../shared/log/logger.js';

/**
 * The only Redis surface redback's agent code depends on: one generic command call. Keeping it
 * this narrow lets every module say exactly which commands it sends.
 */
export interface RedisCommander {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
}

export interface RedisEndpoint {
  name: string;
  url: string;
  tls?: TlsFiles | undefined;
}

export interface ConnectedRedis extends RedisCommander {
  readonly endpoint: RedisEndpoint;
  close(): Promise<void>;
}

/** Connects, authenticates and PINGs; maps failures to REDIS_UNREACHABLE / REDIS_AUTH with hints. */
/**
 * @param options.commandTimeoutMs a command without a reply within this time fails (a frozen Redis
 *   still accepts TCP connections); default 60 s.
 * @param options.allowLoading accept a server that answers PING with `LOADING` (it is loading its
 *   dataset: INFO and CONFIG work, most other commands do not); default false.
 */
export async function connectRedis(
  endpoint: RedisEndpoint,
  options: { connectTimeoutMs?: number; commandTimeoutMs?: number; allowLoading?: boolean } = {},
): Promise<ConnectedRedis> {
  const client = new Redis(endpoint.url, {
    ...tlsOptions(endpoint),
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 5000,
    commandTimeout: options.commandTimeoutMs ?? 60_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    enableReadyCheck: false,
    retryStrategy: () => null,
    reconnectOnError: () => false,
    connectionName: 'redback',
  });
  let lastError: unknown;
  client.on('error', (err) => {
    lastError = err;
  });
  try {
    await client.connect();
    await client.call('PING').catch((err: unknown) => {
      if (options.allowLoading && err instanceof Error && /^LOADING/.test(err.message)) return 'LOADING';
      throw err;
    });
  } catch (err) {
    client.disconnect();
    throw redisError(endpoint, lastError ?? err);
  }
  let closing: Promise<void> | undefined;
  return {
    endpoint,
    call: async (command, ...args) => {
      try {
        return await client.call(command, ...args);
      } catch (err) {
        throw redisError(endpoint, err, command);
      }
    },
    // Idempotent: a second QUIT on an ended ioredis client reconnects and lingers ~connectTimeout.
    close: () =>
      (closing ??= (async () => {
        try {
          await client.quit();
        } catch {
          client.disconnect();
        }
      })()),
  };
}

function tlsOptions(endpoint: RedisEndpoint): Partial<RedisOptions> {
  const useTls = endpoint.url.startsWith('rediss://') || endpoint.tls !== undefined;
  if (!useTls) return {};
  const files = endpoint.tls ?? { rejectUnauthorized: true };
  return {
    tls: {
      ...(files.ca ? { ca: readFileSync(files.ca) } : {}),
      ...(files.cert ? { cert: readFileSync(files.cert) } : {}),
      ...(files.key ? { key: readFileSync(files.key) } : {}),
      ...(files.servername ? { servername: files.servername } : {}),
      rejectUnauthorized: files.rejectUnauthorized,
    },
  };
}

/** Turns an ioredis / socket error into a RedbackError that names the instance, not the password. */
export function redisError(endpoint: RedisEndpoint, err: unknown, command?: string): RedbackError {
  if (err instanceof RedbackError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const where = `${endpoint.name} (${redactUrl(endpoint.url)})`;
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password|NOPERM/i.test(message)) {
    return new RedbackError('REDIS_AUTH', `redis ${where} refused authentication: ${message.split('\n')[0]}`, {
      hint: 'check the user and password in the instance url (redis://user:password@host:port)',
      cause: err,
    });
  }
  if (/ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|Command timed out|connect|Connection is closed|Stream isn't writeable|ECONNRESET|EAI_AGAIN/i.test(message)) {
    return new RedbackError('REDIS_UNREACHABLE', `cannot reach redis ${where}: ${message.split('\n')[0]}`, {
      hint: 'is redis-server running and listening on that address? check the url in the agent config',
      cause: err,
    });
  }
  return new RedbackError('REDIS_ERROR', `redis ${where} answered ${command ?? 'a command'} with an error: ${message.split('\n')[0]}`, {
    cause: err,
  });
}
