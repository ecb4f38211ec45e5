// Original file: proto/redback/v1/transfer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { TransferChunk as _redback_v1_TransferChunk, TransferChunk__Output as _redback_v1_TransferChunk__Output } from '../../redback/v1/TransferChunk.js';
import type { TransferDownloadRequest as _redback_v1_TransferDownloadRequest, TransferDownloadRequest__Output as _redback_v1_TransferDownloadRequest__Output } from '../../redback/v1/TransferDownloadRequest.js';
import type { TransferUploadReply as _redback_v1_TransferUploadReply, TransferUploadReply__Output as _redback_v1_TransferUploadReply__Output } from '../../redback/v1/TransferUploadReply.js';

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
export interface TransferServiceClient extends grpc.Client {
  Download(argument: _redback_v1_TransferDownloadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_TransferChunk__Output>;
  Download(argument: _redback_v1_TransferDownloadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_TransferChunk__Output>;
  download(argument: _redback_v1_TransferDownloadRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_TransferChunk__Output>;
  download(argument: _redback_v1_TransferDownloadRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_redback_v1_TransferChunk__Output>;
  
  Upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  Upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  Upload(options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  Upload(callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  upload(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  upload(metadata: grpc.Metadata, callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  upload(options: grpc.CallOptions, callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  upload(callback: grpc.requestCallback<_redback_v1_TransferUploadReply__Output>): grpc.ClientWritableStream<_redback_v1_TransferChunk>;
  
}

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
export interface TransferServiceHandlers extends grpc.UntypedServiceImplementation {
  Download: grpc.handleServerStreamingCall<_redback_v1_TransferDownloadRequest__Output, _redback_v1_TransferChunk>;
  
  Upload: grpc.handleClientStreamingCall<_redback_v1_TransferChunk__Output, _redback_v1_TransferUploadReply>;
  
}

export interface TransferServiceDefinition extends grpc.ServiceDefinition {
  Download: MethodDefinition<_redback_v1_TransferDownloadRequest, _redback_v1_TransferChunk, _redback_v1_TransferDownloadRequest__Output, _redback_v1_TransferChunk__Output>
  Upload: MethodDefinition<_redback_v1_TransferChunk, _redback_v1_TransferUploadReply, _redback_v1_TransferChunk__Output, _redback_v1_TransferUploadReply__Output>
}
