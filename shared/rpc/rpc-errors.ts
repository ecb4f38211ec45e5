import * as grpc from '@grpc/grpc-js';
import { asRedbackError, isErrorCode, RedbackError } from '../errors/index.js';

/**
 * RedbackErrors cross gRPC as a status (code from the error table) plus metadata carrying the
 * stable redback code and the hint, so the CLI on the other side prints the same one-line error.
 */
export function toGrpcError(err: unknown): Partial<grpc.StatusObject> & { code: grpc.status } {
  const error = asRedbackError(err);
  const metadata = new grpc.Metadata();
  metadata.set('x-redback-code', error.code);
  if (error.hint) metadata.set('x-redback-hint', error.hint);
  return { code: error.grpcStatus as grpc.status, details: error.message, metadata };
}

/** The RedbackError a failed call stands for, on the client side. */
export function fromGrpcError(err: unknown, target: string): RedbackError {
  if (err instanceof RedbackError) return err;
  const e = err as Partial<grpc.ServiceError>;
  const code = e.metadata?.get('x-redback-code')[0]?.toString();
  const hint = e.metadata?.get('x-redback-hint')[0]?.toString();
  const details = e.details || e.message || String(err);
  if (code && isErrorCode(code)) return new RedbackError(code, details, hint ? { hint } : {});
  switch (e.code) {
    case grpc.status.UNAVAILABLE:
      return new RedbackError('COORDINATOR_UNREACHABLE', `cannot reach coordinator ${target}: ${details}`, {
        hint: 'is `redback coordinator run` up, and do --coordinator / REDBACK_COORDINATOR and TLS settings match it?',
      });
    case grpc.status.DEADLINE_EXCEEDED:
      return new RedbackError('COORDINATOR_UNREACHABLE', `coordinator ${target} did not answer in time: ${details}`, {
        hint: 'check the address and the network; the coordinator may be overloaded',
      });
    case grpc.status.UNAUTHENTICATED:
    case grpc.status.PERMISSION_DENIED:
      return new RedbackError('AUTH_FAILED', `coordinator ${target} refused the credentials: ${details}`, {
        hint: 'check --token / REDBACK_TOKEN (operators use the admin token)',
      });
    case grpc.status.NOT_FOUND:
      return new RedbackError('NOT_FOUND', details);
    case grpc.status.FAILED_PRECONDITION:
      return new RedbackError('UNSAFE_REFUSED', details);
    default:
      return new RedbackError('INTERNAL', `coordinator call failed: ${details}`, { cause: err });
  }
}
