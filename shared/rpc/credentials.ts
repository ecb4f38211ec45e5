import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { RedbackError } from '../errors/index.js';

export interface ClientTls {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  servername?: string | undefined;
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new RedbackError('CONFIG_INVALID', `cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`, {
      hint: 'check the TLS file paths in the config',
    });
  }
}

/** Channel credentials for a client: insecure without TLS settings, (mutual) TLS with them. */
export function clientCredentials(tls: ClientTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(
    tls.ca ? read(tls.ca, 'CA certificate') : null,
    tls.key ? read(tls.key, 'client key') : null,
    tls.cert ? read(tls.cert, 'client certificate') : null,
  );
}

export function serverCredentials(tls: { cert: string; key: string; ca?: string | undefined; requireClientCert: boolean } | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    tls.ca ? read(tls.ca, 'client CA certificate') : null,
    [{ cert_chain: read(tls.cert, 'server certificate'), private_key: read(tls.key, 'server key') }],
    tls.requireClientCert,
  );
}

/** Channel options shared by every client and server: message size limits and keepalives. */
export function channelOptions(maxMessageBytes: number, servername?: string): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.keepalive_time_ms': 20_000,
    'grpc.keepalive_timeout_ms': 10_000,
    'grpc.keepalive_permit_without_calls': 1,
    ...(servername ? { 'grpc.ssl_target_name_override': servername } : {}),
  };
}

/** Metadata carrying a bearer token (and, for agents, their identity). */
export function authMetadata(token: string, agentId?: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  if (agentId) metadata.set('x-redback-agent-id', agentId);
  return metadata;
}

/**
 * HTTP/2 flow-control window for bulk copy data (agent transfer clients and the coordinator's
 * server): a few 1 MiB chunks in flight instead of HTTP/2's 64 KiB default, which made every
 * 64 KiB of an upload wait for a WINDOW_UPDATE. It also bounds what the coordinator buffers for a
 * paused upload.
 */
export const TRANSFER_WINDOW_BYTES = 4 * 1024 * 1024;

interface GrpcServerInternals {
  commonServerOptions?: { settings?: Record<string, unknown> };
  http2Servers?: Map<{ on(event: 'session', listener: (session: { setLocalWindowSize?(n: number): void }) => void): unknown }, unknown>;
}

/**
 * Widens a gRPC server's HTTP/2 receive windows to `bytes` (grpc-js honours
 * `grpc-node.flow_control_window` only on clients). Call `beforeBind` before bindAsync (stream
 * window, sent in the server's SETTINGS) and `afterBind` once bound (connection window of each
 * new session). Uses grpc-js internals: when they are missing, the server keeps the defaults
 * (slower uploads, nothing else changes).
 */
export const serverWindow = {
  beforeBind(server: grpc.Server, bytes: number): void {
    const internals = server as unknown as GrpcServerInternals;
    if (!internals.commonServerOptions) return;
    internals.commonServerOptions.settings = { ...internals.commonServerOptions.settings, initialWindowSize: bytes };
  },
  afterBind(server: grpc.Server, bytes: number): void {
    const servers = (server as unknown as GrpcServerInternals).http2Servers;
    if (!(servers instanceof Map)) return;
    for (const http2Server of servers.keys()) {
      http2Server.on('session', (session) => {
        try {
          session.setLocalWindowSize?.(bytes);
        } catch {
          // a session closing as it opens: nothing to widen
        }
      });
    }
  },
};
