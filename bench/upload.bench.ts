// npm run bench:upload — redback's offsite set upload against a plain upload of the same RDB.
//
// Builds an RDB of at least 500 MB in a real redis-server (random, poorly compressible values;
// appendonly off, so the set is that RDB plus redis.conf and the comparison is byte for byte),
// takes a verified local copy (the set uploads it: offsite.rdbMaxAge), starts s3rver, then times
// in one run:
//   (a) plain:   @aws-sdk/lib-storage Upload of dump.rdb (8 MiB parts, 4 in flight, as S3Target)
//   (b) aws cli: `aws s3 cp dump.rdb s3://...` when the aws CLI is installed
//   (c) redback: the whole set upload (zstd level 3, SHA-256 of both sides, stored sizes checked,
//                manifest twice) in its own process (peak RSS = VmHWM of that process)
// Prints the ratio c/a (target ≤ 1.0), bytes sent, the compression ratio and redback's peak RSS
// (target < 300 MB), then a JSON line with the numbers.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createAgentContext } from '../agent/agent-context.js';
import { takeSnapshot } from '../agent/snapshot/take-snapshot.js';
import { loadAgentConfig } from '../shared/config/agent-config.js';
import { silentLogger } from '../shared/log/logger.js';
import { writeAgentConfig } from '../test/helpers/agent-fixture.js';
import { fillRandom } from '../test/helpers/fill-redis.js';
import { TestRedisServer } from '../test/helpers/redis-server.js';
import { TestS3Server } from '../test/helpers/s3-server.js';
import { fmtMs, mb, runNodeJson } from './bench-util.js';

const targetBytes = Number(process.env.BENCH_BYTES ?? 520 * 1024 * 1024);
const root = process.env.BENCH_DIR ?? join(tmpdir(), `redback-upload-bench-${process.pid}`);
const here = dirname(fileURLToPath(import.meta.url));

mkdirSync(root, { recursive: true });
const redis = await TestRedisServer.start({ dir: join(root, 'redis'), appendonly: false });
const s3 = await TestS3Server.start({ bucket: 'bench' });
try {
  const c = redis.client();
  const valueBytes = 64 * 1024;
  process.stderr.write(`filling redis with ${mb(targetBytes)} of random values...\n`);
  await fillRandom(c, Math.ceil(targetBytes / valueBytes), valueBytes, 'bench');
  const configPath = writeAgentConfig(root, {
    agentId: 'bench-host',
    backupDir: join(root, 'backups'),
    schedules: { hourly: null, daily: null },
    offsite: { type: 's3', bucket: s3.bucket, endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', checksumMode: 'WHEN_REQUIRED', prefix: 'bench', compression: { level: 3 }, rdbMaxAge: '1h' },
    instances: [{ name: 'main', url: redis.url, configFile: redis.confPath }],
  });
  const ctx = createAgentContext(loadAgentConfig(configPath), silentLogger);
  const snap = await takeSnapshot(ctx, ctx.config.instances[0]!, { tier: 'hourly' });
  const dump = join(redis.dir, 'dump.rdb');
  const rdbBytes = statSync(dump).size;
  process.stderr.write(`rdb: ${mb(rdbBytes)} (local copy ${snap.manifest.id})\n`);

  // (a) plain lib-storage upload of the raw file
  const client = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  spawnSync('sync');
  let t0 = performance.now();
  await new Upload({ client, params: { Bucket: s3.bucket, Key: 'plain/dump.rdb', Body: createReadStream(dump) }, partSize: 8 * 1024 * 1024, queueSize: 4 }).done();
  const plainMs = performance.now() - t0;
  client.destroy();

  // (b) aws s3 cp, when installed
  let awsMs: number | null = null;
  const version = spawnSync('aws', ['--version'], { encoding: 'utf8' });
  if (version.status === 0) {
    spawnSync('sync');
    t0 = performance.now();
    const cp = spawnSync('aws', ['--endpoint-url', s3.endpoint, 's3', 'cp', dump, `s3://${s3.bucket}/awscli/dump.rdb`], { env: s3.awsEnv(), encoding: 'utf8' });
    awsMs = cp.status === 0 ? performance.now() - t0 : null;
    if (cp.status !== 0) process.stderr.write(`aws s3 cp failed: ${cp.stderr.trim().split('\n').pop()}\n`);
  }

  // (c) redback's set upload, in its own process
  spawnSync('sync');
  const r = await runNodeJson<{ ms: number; plainBytes: number; storedBytes: number; objects: number; source: string; maxRssBytes: number }>(join(here, 'upload-worker.js'), [configPath, 'main']);

  const ratio = r.ms / plainMs;
  const lines = [
    '',
    `upload of a ${mb(rdbBytes)} RDB (random values) to s3rver`,
    `  (a) plain lib-storage upload   ${fmtMs(plainMs).padStart(10)}   ${mb(rdbBytes)} sent`,
    `  (b) aws s3 cp                  ${awsMs === null ? 'not available'.padStart(10) : fmtMs(awsMs).padStart(10)}`,
    `  (c) redback set upload         ${fmtMs(r.ms).padStart(10)}   ${mb(r.storedBytes)} sent (${r.objects} objects, rdb from ${r.source})`,
    `  ratio c/a                      ${ratio.toFixed(2)}×  (target ≤ 1.0)`,
    `  compression                    ${(r.plainBytes / r.storedBytes).toFixed(3)}× (${mb(r.plainBytes)} → ${mb(r.storedBytes)})`,
    `  redback peak RSS               ${mb(r.maxRssBytes)}  (target < 300 MB)`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  process.stdout.write(JSON.stringify({ bench: 'upload', rdbBytes, plainMs, awsMs, redbackMs: r.ms, ratio, sentBytes: r.storedBytes, compression: r.plainBytes / r.storedBytes, maxRssBytes: r.maxRssBytes }) + '\n');
} finally {
  await redis.stop();
  await s3.stop();
  if (!process.env.BENCH_DIR) rmSync(root, { recursive: true, force: true });
}
