import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { TransferChunk as _redback_v1_TransferChunk, TransferChunk__Output as _redback_v1_TransferChunk__Output } from './redback/v1/TransferChunk.js';
import type { TransferDownloadRequest as _redback_v1_TransferDownloadRequest, TransferDownloadRequest__Output as _redback_v1_TransferDownloadRequest__Output } from './redback/v1/TransferDownloadRequest.js';
import type { TransferServiceClient as _redback_v1_TransferServiceClient, TransferServiceDefinition as _redback_v1_TransferServiceDefinition } from './redback/v1/TransferService.js';
import type { TransferStart as _redback_v1_TransferStart, TransferStart__Output as _redback_v1_TransferStart__Output } from './redback/v1/TransferStart.js';
import type { TransferUploadReply as _redback_v1_TransferUploadReply, TransferUploadReply__Output as _redback_v1_TransferUploadReply__Output } from './redback/v1/TransferUploadReply.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  redback: {
    v1: {
      TransferChunk: MessageTypeDefinition<_redback_v1_TransferChunk, _redback_v1_TransferChunk__Output>
      TransferDownloadRequest: MessageTypeDefinition<_redback_v1_TransferDownloadRequest, _redback_v1_TransferDownloadRequest__Output>
      /**
       * Copies moving between agents, relayed by the coordinator: agents dial out (they may sit behind
       * firewalls), so neither agent ever connects to the other. These calls are apart from the Session,
       * so heartbeats never wait behind a file.
       * 
       * 1. The coordinator creates a transfer (a random, single-use id bound to one source and one
       * target agent, expiring if unused) and sends the source a `send-copy` command.
       * 2. The source calls Upload: a TransferChunk with `start` (size, SHA-256, manifest), then data.
       * 3. The target calls Download with the id and receives the same chunks; the call ends OK only
       * when every byte the source announced went through. The coordinator pipes the two calls with
       * backpressure (HTTP/2 flow control), so its memory stays bounded and a slow target slows the
       * source.
       * 4. The target checks size and SHA-256 (and the RDB's own CRC-64) before using the bytes.
       * Both calls authenticate like the Session (agent token, x-redback-agent-id); only the bound
       * agents may use a transfer.
       */
      TransferService: SubtypeConstructor<typeof grpc.Client, _redback_v1_TransferServiceClient> & { service: _redback_v1_TransferServiceDefinition }
      TransferStart: MessageTypeDefinition<_redback_v1_TransferStart, _redback_v1_TransferStart__Output>
      TransferUploadReply: MessageTypeDefinition<_redback_v1_TransferUploadReply, _redback_v1_TransferUploadReply__Output>
    }
  }
}

