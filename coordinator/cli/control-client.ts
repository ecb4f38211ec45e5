import * as grpc from '@grpc/grpc-js';
import { RedbackError } from '../../shared/errors/index.js';
import { loadProtos } from '../../shared/proto/load.js';
import type { ControlServiceClient } from '../../shared/proto/generated/redback/v1/ControlService.js';
import type { JobEvent__Output } from '../../shared/proto/generated/redback/v1/JobEvent.js';
import { authMetadata, channelOptions, clientCredentials, type ClientTls } from '../../shared/rpc/credentials.js';
import { fromGrpcError } from '../../shared/rpc/rpc-errors.js';

export interface ConnectionFlags {
  coordinator?: string;
  token?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServername?: string;
  json?: boolean;
}

type UnaryMethods = {
  [K in keyof ControlServiceClient as K extends `${Capitalize<string>}` ? K : never]: ControlServiceClient[K];
};

/**
 * The operator's connection to the coordinator: address from --coordinator or REDBACK_COORDINATOR,
 * admin token from --token or REDBACK_TOKEN, TLS from --tls-* or REDBACK_TLS_*. Every call has a
 * deadline, and failures come back as RedbackErrors with hints.
 */
export class ControlClient {
  private readonly client: ControlServiceClient;
  private readonly metadata: grpc.Metadata;
  readonly target: string;

  constructor(flags: ConnectionFlags) {
    this.target = flags.coordinator ?? process.env.REDBACK_COORDINATOR ?? '127.0.0.1:7400';
    const token = flags.token ?? process.env.REDBACK_TOKEN;
    if (!token) {
      throw new RedbackError('USAGE', 'no admin token', { hint: 'pass --token or set REDBACK_TOKEN to the coordinator admin token' });
    }
    const tls: ClientTls | undefined =
      flags.tlsCa ?? process.env.REDBACK_TLS_CA
        ? {
            ca: flags.tlsCa ?? process.env.REDBACK_TLS_CA,
            cert: flags.tlsCert ?? process.env.REDBACK_TLS_CERT,
            key: flags.tlsKey ?? process.env.REDBACK_TLS_KEY,
          }
        : undefined;
    const { control } = loadProtos();
    this.client = new control.redback.v1.ControlService(
      this.target,
      clientCredentials(tls),
      channelOptions(16 * 1024 * 1024, flags.tlsServername),
    ) as unknown as ControlServiceClient;
    this.metadata = authMetadata(token);
  }

  /** Calls a unary method with a deadline. */
  call<Req, Res>(method: keyof UnaryMethods, request: Req, timeoutMs = 15_000): Promise<Res> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, Function>)[method as string]!.bind(this.client);
      fn(request, this.metadata, { deadline: new Date(Date.now() + timeoutMs) }, (err: grpc.ServiceError | null, reply: Res) => {
        if (err) reject(fromGrpcError(err, this.target));
        else resolve(reply);
      });
    });
  }

  /** Streams a job's events until it ends. */
  watchJob(jobId: string, onEvent: (event: JobEvent__Output) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const stream = this.client.WatchJob({ jobId }, this.metadata);
      stream.on('data', onEvent);
      stream.on('error', (err: grpc.ServiceError) => reject(fromGrpcError(err, this.target)));
      stream.on('end', () => resolve());
    });
  }

  /** Calls a server-streaming method and hands every message to `onEvent` until it ends. */
  stream<Req, Ev>(method: 'VerifyOffsite', request: Req, onEvent: (event: Ev) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const fn = (this.client as unknown as Record<string, Function>)[method]!.bind(this.client);
      const stream = fn(request, this.metadata) as grpc.ClientReadableStream<Ev>;
      stream.on('data', onEvent);
      stream.on('error', (err: grpc.ServiceError) => reject(fromGrpcError(err, this.target)));
      stream.on('end', () => resolve());
    });
  }

  close(): void {
    (this.client as unknown as grpc.Client).close();
  }
}
