// Simulated agents for bench:fleet: real gRPC sessions that speak the agent protocol (hello,
// heartbeats every interval with one instance's health, instant job results) and record when each
// command arrived. Runs as a child process; talks to the driver over IPC.
import * as grpc from '@grpc/grpc-js';
import { loadProtos, PROTOCOL_VERSION } from '../shared/proto/load.js';
import type { AgentMessage } from '../shared/proto/generated/redback/v1/AgentMessage.js';
import type { CoordinatorMessage__Output } from '../shared/proto/generated/redback/v1/CoordinatorMessage.js';
import { authMetadata } from '../shared/rpc/credentials.js';

const [address, token, prefix, fromText, toText, intervalText] = process.argv.slice(2) as [string, string, string, string, string, string];
const from = Number(fromText);
const to = Number(toText);
const interval = Number(intervalText);
const { agent } = loadProtos();
type Stream = grpc.ClientDuplexStream<AgentMessage, CoordinatorMessage__Output>;

let welcomed = 0;
const received: number[] = [];
const streams: Stream[] = [];
const clients: grpc.Client[] = [];
const timers: NodeJS.Timeout[] = [];

const errors = new Map<string, number>();
const welcomedIds = new Set<number>();

function connect(i: number): void {
  const agentId = `${prefix}-${i}`;
  // A local subchannel pool gives every simulated agent its own TCP connection, as real agents have.
  const client = new agent.redback.v1.AgentService(address, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  }) as unknown as grpc.Client & { Session(m: grpc.Metadata): Stream };
  clients.push(client);
  const stream = client.Session(authMetadata(token, agentId));
  streams.push(stream);
  let seq = 0;
  let beatTimer: NodeJS.Timeout | null = null;
  const beat = () =>
    stream.write({
      heartbeat: {
        seq: ++seq,
        sentAtMs: Date.now(),
        backupFreeBytes: 50e9,
        backupTotalBytes: 100e9,
        instances: [{ name: 'main', up: true, role: 'master', dbsize: 1000 + i, usedMemory: 1e6, rdbLastBgsaveStatus: 'ok', aofEnabled: true, aofLastWriteStatus: 'ok', newest: [] }],
      },
    });
  stream.on('data', (m: CoordinatorMessage__Output) => {
    if (m.body === 'welcome') {
      if (!welcomedIds.has(i)) {
        welcomedIds.add(i);
        welcomed++;
        if (welcomed === to - from) process.send?.({ type: 'connected' });
      }
      const start = setTimeout(() => {
        beat();
        beatTimer = setInterval(beat, interval);
        timers.push(beatTimer);
      }, Math.random() * interval);
      timers.push(start);
    } else if (m.body === 'command') {
      received.push(Date.now());
      const jobId = m.command!.jobId;
      if (process.env.BENCH_SIM_SILENT === '1') return;
      // Like a real agent: accept at once (after this poll's other arrivals are recorded), and
      // answer when the simulated snapshot is done, 1 to 3 seconds later.
      setImmediate(() => stream.write({ jobAccepted: { jobId } }));
      setTimeout(() => stream.write({ jobResult: { jobId, ok: true, errorCode: '', errorMessage: '', errorHint: '', resultJson: '' } }), 1000 + Math.random() * 2000);
    }
  });
  // Like a real agent: a session that fails is opened again after a moment.
  let retried = false;
  const retry = (reason: string) => {
    if (retried || stopping) return;
    retried = true;
    errors.set(reason, (errors.get(reason) ?? 0) + 1);
    if (beatTimer) clearInterval(beatTimer);
    client.close();
    setTimeout(() => connect(i), 200 + Math.random() * 1000);
  };
  stream.on('error', (err: grpc.ServiceError) => retry(`${grpc.status[err.code]}: ${err.details}`.slice(0, 120)));
  stream.on('end', () => retry('ended'));
  stream.write({
    hello: {
      protocolVersion: PROTOCOL_VERSION,
      agentId,
      hostname: agentId,
      agentVersion: 'bench',
      instances: [{ name: 'main', address: '127.0.0.1:6379', redisVersion: '7.0.15', role: 'master' }],
      completedJobIds: [],
    },
  });
}

let stopping = false;
for (let i = from; i < to; i++) connect(i);

process.on('message', (msg: { type: string }) => {
  if (msg.type === 'received') {
    process.send?.({ type: 'received', times: received.splice(0), errors: Object.fromEntries(errors) });
  } else if (msg.type === 'stop') {
    stopping = true;
    for (const t of timers) clearTimeout(t);
    for (const s of streams) s.cancel();
    for (const c of clients) c.close();
    process.exit(0);
  }
});
