import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { RedbackError } from '../../shared/errors/index.js';
import { loadProtos } from '../../shared/proto/load.js';
import type { TransferChunk, TransferChunk__Output } from '../../shared/proto/generated/redback/v1/TransferChunk.js';
import type { TransferServiceClient } from '../../shared/proto/generated/redback/v1/TransferService.js';
import type { TransferUploadReply__Output } from '../../shared/proto/generated/redback/v1/TransferUploadReply.js';
import { authMetadata, channelOptions, clientCredentials, TRANSFER_WINDOW_BYTES } from '../../shared/rpc/credentials.js';
import { fromGrpcError } from '../../shared/rpc/rpc-errors.js';
import type { AgentContext } from '../agent-context.js';
import { agentIdOf } from '../session/coordinator-link.js';

/**
 * The agent's codec for the coordinator's TransferService: the only agent module besides the
 * session codec that knows the wire types. It speaks the domain chunks below.
 */

/** The first message of a transfer: what the data that follows must be. */
export interface TransferHeader {
  transferId: string;
  bytes: number;
  sha256: string;
  manifestJson: string;
  /** Set by the coordinator on the way to the target (empty on the upload). */
  sourceAgentId: string;
}

export type TransferChunkIn = { start: TransferHeader } | { data: Buffer };

/**
 * Bytes per data message: 1 MiB (measured: fewer, larger messages cut gRPC's per-message work in
 * all three processes). Stays well under the coordinator's message limit (limits.maxMessageBytes,
 * 4 MiB by default).
 */
export const TRANSFER_CHUNK_BYTES = 1024 * 1024;

/** The agent's client of TransferService, authenticated like its session. */
export class TransferClient {
  private readonly client: TransferServiceClient;
  private readonly metadata: grpc.Metadata;
  readonly address: string;

  constructor(ctx: AgentContext) {
    const settings = ctx.config.coordinator;
    if (!settings) {
      throw new RedbackError('CONFIG_INVALID', 'copies move between agents through the coordinator, and this agent has none configured', {
        hint: 'add a coordinator: block (address, token) to the agent config',
      });
    }
    this.address = settings.address;
    const { transfer } = loadProtos();
    this.client = new transfer.redback.v1.TransferService(
      settings.address,
      clientCredentials(settings.tls),
      // A wider HTTP/2 window than the 64 KiB default: bulk data, and its own connection (not the session's).
      { ...channelOptions(16 * 1024 * 1024, settings.tls?.servername), 'grpc-node.flow_control_window': TRANSFER_WINDOW_BYTES, 'grpc.use_local_subchannel_pool': 1 },
    ) as unknown as TransferServiceClient;
    this.metadata = authMetadata(settings.token, agentIdOf(ctx.config));
  }

  /**
   * Streams `header` then every buffer of `data` to the coordinator, waiting for 'drain' whenever
   * the call's buffer is full (so the target's pace sets ours). Resolves with the bytes relayed when
   * the coordinator accepted the whole upload; rejects with TRANSFER_FAILED when the call broke.
   */
  upload(header: Omit<TransferHeader, 'sourceAgentId'>, data: AsyncIterable<Buffer>, signal?: AbortSignal): Promise<{ bytes: number }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let answered!: () => void;
      const answeredP = new Promise<void>((r) => (answered = r));
      const call = this.client.Upload(this.metadata, (err: grpc.ServiceError | null, reply?: TransferUploadReply__Output) => {
        answered();
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        settled = true;
        if (err) reject(this.error(err));
        else resolve({ bytes: Number(reply?.bytes ?? 0) });
      });
      const onAbort = () => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
      const write = async (message: TransferChunk) => {
        if (!call.write(message)) await Promise.race([once(call, 'drain'), answeredP]);
      };
      (async () => {
        await write({ start: { ...header, sourceAgentId: '' } });
        for await (const chunk of data) {
          if (settled) return;
          await write({ data: chunk });
        }
        if (!settled) call.end();
      })().catch((err: unknown) => {
        call.cancel();
        if (settled) return;
        settled = true;
        reject(err);
      });
    });
  }

  /** The chunks of a transfer as the coordinator relays them: the header first, then data. */
  async *download(transferId: string, signal?: AbortSignal): AsyncGenerator<TransferChunkIn> {
    const call = this.client.Download({ transferId }, this.metadata);
    const onAbort = () => call.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    let ended = false;
    try {
      for await (const message of call as AsyncIterable<TransferChunk__Output>) {
        if (message.start) {
          const s = message.start;
          yield { start: { transferId: s.transferId, bytes: Number(s.bytes), sha256: s.sha256, manifestJson: s.manifestJson, sourceAgentId: s.sourceAgentId } };
        } else if (message.data) yield { data: message.data };
      }
      ended = true;
    } catch (err) {
      ended = true;
      throw this.error(err);
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!ended) call.cancel();
    }
  }

  close(): void {
    (this.client as unknown as grpc.Client).close();
  }

  /** A failed call as a RedbackError: a broken connection is a failed transfer (retry). */
  private error(err: unknown): RedbackError {
    const e = fromGrpcError(err, this.address);
    if (e.code === 'TRANSFER_FAILED' || e.code === 'AUTH_FAILED' || e.code === 'NOT_FOUND' || e.code === 'USAGE') return e;
    const code = (err as Partial<grpc.ServiceError>).code;
    const why = code === grpc.status.CANCELLED ? 'the transfer was cancelled' : `the connection to the coordinator ${this.address} broke (${e.message})`;
    return new RedbackError('TRANSFER_FAILED', `transfer failed: ${why}`, {
      hint: 'the target was left as it was; once the coordinator and both agents are up (redback agents), run the copy or restore again',
      cause: err,
    });
  }
}
