import * as grpc from '@grpc/grpc-js';
import { RedbackError } from '../../shared/errors/index.js';
import type { TransferChunk, TransferChunk__Output } from '../../shared/proto/generated/redback/v1/TransferChunk.js';
import type { TransferDownloadRequest__Output } from '../../shared/proto/generated/redback/v1/TransferDownloadRequest.js';
import type { TransferServiceHandlers } from '../../shared/proto/generated/redback/v1/TransferService.js';
import type { TransferUploadReply } from '../../shared/proto/generated/redback/v1/TransferUploadReply.js';
import { toGrpcError } from '../../shared/rpc/rpc-errors.js';
import type { CoordinatorState } from '../coordinator-state.js';
import type { DownloadHandle, RelayedChunk, UploadHandle } from '../transfer/transfer-relay.js';

/**
 * TransferService: authenticates the agent (same token as its Session), adapts the two gRPC calls
 * to the relay's ends (coordinator/transfer/transfer-relay.ts) and removes nothing but its own
 * listeners. Backpressure: the relay pauses the upload call when the download call's write returns
 * false and resumes it on 'drain'.
 */
export function transferHandlers(state: CoordinatorState): TransferServiceHandlers {
  return {
    Upload: (call: grpc.ServerReadableStream<TransferChunk__Output, TransferUploadReply>, callback: grpc.sendUnaryData<TransferUploadReply>) => {
      let answered = false;
      const answer = (err: unknown, reply?: TransferUploadReply) => {
        if (answered) return;
        answered = true;
        if (err) callback(toGrpcError(err) as grpc.ServiceError);
        else callback(null, reply);
      };
      let agentId: string;
      try {
        agentId = state.auth.requireAgent(call.metadata, call.getPeer());
      } catch (err) {
        answer(err);
        return;
      }
      let handle: UploadHandle | null = null;
      call.on('data', (chunk: TransferChunk__Output) => {
        if (answered) return;
        if (!handle) {
          const start = chunk.start;
          if (!start) {
            answer(new RedbackError('USAGE', 'the first message of an upload must be its start'));
            return;
          }
          try {
            handle = state.transfers.attachUpload(
              agentId,
              { transferId: start.transferId, bytes: Number(start.bytes), sha256: start.sha256, manifestJson: start.manifestJson },
              {
                pause: () => call.pause(),
                resume: () => call.resume(),
                finish: (bytes) => answer(null, { bytes }),
                fail: (err) => answer(err),
              },
            );
          } catch (err) {
            answer(err);
          }
          return;
        }
        if (chunk.data) handle.data(chunk.data);
      });
      call.on('end', () => handle?.finished());
      call.on('error', (err) => handle?.aborted(err.message));
      call.on('cancelled', () => handle?.aborted('call cancelled'));
    },

    Download: (call: grpc.ServerWritableStream<TransferDownloadRequest__Output, TransferChunk>) => {
      let agentId: string;
      try {
        agentId = state.auth.requireAgent(call.metadata, call.getPeer());
      } catch (err) {
        call.emit('error', toGrpcError(err));
        return;
      }
      let closed = false;
      let handle: DownloadHandle | null = null;
      try {
        handle = state.transfers.attachDownload(agentId, call.request.transferId, {
          write: (chunk: RelayedChunk) => (closed ? true : call.write(encode(chunk))),
          end: () => {
            if (closed) return;
            closed = true;
            call.end();
          },
          fail: (err) => {
            if (closed) return;
            closed = true;
            call.emit('error', toGrpcError(err));
          },
        });
      } catch (err) {
        closed = true;
        call.emit('error', toGrpcError(err));
        return;
      }
      call.on('drain', () => handle?.drained());
      call.on('cancelled', () => {
        closed = true;
        handle?.aborted('call cancelled');
      });
      call.on('error', (err) => {
        if (!closed) handle?.aborted(err.message);
      });
    },
  };
}

function encode(chunk: RelayedChunk): TransferChunk {
  if ('start' in chunk) return { start: chunk.start };
  return { data: chunk.data };
}
