import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AgentProto } from './generated/agent.js';
import type { ProtoGrpcType as ControlProto } from './generated/control.js';
import type { ProtoGrpcType as TransferProto } from './generated/transfer.js';

/**
 * The one place that loads the .proto files. The options match proto/generate.sh, so the
 * generated types in ./generated describe exactly what grpc-js hands over.
 *
 * PROTOCOL_VERSION is what agents announce in Hello; the coordinator refuses other versions.
 */
export const PROTOCOL_VERSION = 1;

export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

function protoRoot(): string {
  // Works from the sources (shared/proto) and from the build (dist/shared/proto).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'proto', 'redback', 'v1', 'agent.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('cannot find proto/redback/v1 next to the redback installation');
}

let cached: { agent: AgentProto; control: ControlProto; transfer: TransferProto } | null = null;

export function loadProtos(): { agent: AgentProto; control: ControlProto; transfer: TransferProto } {
  if (cached) return cached;
  const root = protoRoot();
  const agentDef = protoLoader.loadSync('redback/v1/agent.proto', { ...LOADER_OPTIONS, includeDirs: [root] });
  const controlDef = protoLoader.loadSync('redback/v1/control.proto', { ...LOADER_OPTIONS, includeDirs: [root] });
  const transferDef = protoLoader.loadSync('redback/v1/transfer.proto', { ...LOADER_OPTIONS, includeDirs: [root] });
  cached = {
    transfer: grpc.loadPackageDefinition(transferDef) as unknown as TransferProto,
    agent: grpc.loadPackageDefinition(agentDef) as unknown as AgentProto,
    control: grpc.loadPackageDefinition(controlDef) as unknown as ControlProto,
  };
  return cached;
}
