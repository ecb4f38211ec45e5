// The write load of bench:pitr, in its own process (so the bench process' CPU is the archiver's):
// `node pitr-writer.js <port> <rate/s>` sends pipelined SETs of numbered keys `w:<n>` at <rate>
// per second (batches every 20 ms) until it gets "stop" on IPC or Redis goes away, and reports
// the highest acknowledged number with its time every 100 ms: {acked, at}.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

const port = Number(process.argv[2]);
const rate = Number(process.argv[3] ?? 6000);
const tickMs = 20;
const perTick = Math.max(1, Math.round((rate * tickMs) / 1000));

const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
redis.on('error', () => undefined);
let next = 1;
let acked = 0;
let stopped = false;
const samples: Array<[number, number]> = [];

process.on('message', (m) => {
  if (m === 'stop') stopped = true;
});

const report = setInterval(() => process.send?.({ acked, at: Date.now() }), 100);

async function main(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    redis.once('ready', () => resolve());
    redis.once('end', () => reject(new Error('redis went away')));
  });
  const started = Date.now();
  let ticks = 0;
  while (!stopped) {
    const p = redis.pipeline();
    const last = next + perTick - 1;
    // random values (24 hex chars): zstd cannot hide a re-upload behind compression
    const random = randomBytes(12 * perTick).toString('hex');
    for (let i = 0; next <= last; next++, i++) p.set(`w:${next}`, random.slice(i * 24, i * 24 + 24));
    try {
      const results = await p.exec();
      if (!results || results.some(([err]) => err)) break;
    } catch {
      break;
    }
    acked = last;
    samples.push([acked, Date.now()]);
    ticks++;
    const wait = started + ticks * tickMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  clearInterval(report);
  process.send?.({ acked, at: Date.now(), done: true, samples: samples.filter((_, i) => i % 5 === 0 || i === samples.length - 1) });
  redis.disconnect();
}

main().catch(() => {
  clearInterval(report);
  process.send?.({ acked, at: Date.now(), done: true, samples });
  redis.disconnect();
});
