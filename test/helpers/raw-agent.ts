import * as grpc from '@grpc/grpc-js';
import { loadProtos } from '../../shared/proto/load.js';
import type { AgentMessage } from '../../shared/proto/generated/redback/v1/AgentMessage.js';
import type { CoordinatorMessage__Output } from '../../shared/proto/generated/redback/v1/CoordinatorMessage.js';
import { authMetadata } from '../../shared/rpc/credentials.js';

/**
 * A bare session to the coordinator speaking the protocol by hand, for tests of what a real agent
 * never sends (another protocol version, oversized messages) or never does (stop reading).
 */
export function openRawSession(address: string, token: string, agentId: string) {
  const { agent } = loadProtos();
  const client = new agent.redback.v1.AgentService(address, grpc.credentials.createInsecure()) as unknown as grpc.Client & {
    Session(metadata: grpc.Metadata): grpc.ClientDuplexStream<AgentMessage, CoordinatorMessage__Output>;
  };
  const stream = client.Session(authMetadata(token, agentId));
  const received: CoordinatorMessage__Output[] = [];
  const status = new Promise<grpc.StatusObject>((resolve) => {
    stream.on('status', resolve);
    stream.on('error', () => undefined);
  });
  stream.on('data', (m: CoordinatorMessage__Output) => received.push(m));
  return {
    stream,
    received,
    status,
    hello(protocolVersion = 1, extra: Partial<NonNullable<AgentMessage['hello']>> = {}) {
      stream.write({ hello: { protocolVersion, agentId, hostname: 'raw', agentVersion: 'test', instances: [], completedJobIds: [], ...extra } });
    },
    close() {
      stream.cancel();
      client.close();
    },
  };
}
