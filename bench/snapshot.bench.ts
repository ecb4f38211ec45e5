// npm run bench:snapshot — redback's snapshot pipeline against `cp` + fsync of the same dump.rdb.
//
// Builds a dataset of at least 500 MB in a real redis-server (random, poorly compressible values),
// SAVEs it, then times in the same run, several rounds each, interleaved:
//   cp:       cp dump.rdb <dest> && sync <dest>      (the floor for a durable copy)
//   sha256:   sha256sum dump.rdb                     (the cost of hashing alone)
//   pipeline: redback's copy (read once → write + SHA-256 + RDB walk with CRC-64 → fsync → rename
//             → manifest), in its own process, whose peak RSS is reported.
// Prints medians, the pipeline/cp ratio (target ≤ 1.5) and peak RSS (target < 150 MB).
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fillRandom } from '../test/helpers/fill-redis.js';
import { TestRedisServer } from '../test/helpers/redis-server.js';
import { fmtMs, mb, median, runNodeJson, timeCommand } from './bench-util.js';

const here = dirname(fileURLToPath(import.meta.url));
const targetBytes = Number(process.env.BENCH_BYTES ?? 520 * 1024 * 1024);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const root = process.env.BENCH_DIR ?? join(tmpdir(), `redback-bench-${process.pid}`);

async function main(): Promise<void> {
  mkdirSync(root, { recursive: true });
  const redis = await TestRedisServer.start({ dir: join(root, 'redis') });
  try {
    const valueBytes = 256 * 1024;
    const count = Math.ceil(targetBytes / valueBytes);
    process.stderr.write(`filling redis with ${count} random values of ${valueBytes} bytes...\n`);
    await fillRandom(redis.client(), count, valueBytes, 'bench');
    await redis.client().call('SAVE');
    const dump = join(redis.dir, 'dump.rdb');
    const size = statSync(dump).size;
    process.stderr.write(`dump.rdb is ${mb(size)}; ${rounds} rounds each\n`);

    const cp: number[] = [];
    const sha: number[] = [];
    const pipe: number[] = [];
    const rss: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const dest = join(root, `cp-${round}.rdb`);
      cp.push(timeCommand('sh', ['-c', `cp "${dump}" "${dest}" && sync "${dest}"`]));
      rmSync(dest);
      sha.push(timeCommand('sha256sum', [dump]));
      const backupDir = join(root, `backups-${round}`);
      const run = await runNodeJson<{ ms: number; bytes: number; maxRssBytes: number }>(join(here, 'snapshot-worker.js'), [dump, backupDir]);
      pipe.push(run.ms);
      rss.push(run.maxRssBytes);
      rmSync(backupDir, { recursive: true, force: true });
      process.stderr.write(`round ${round + 1}: cp+fsync ${fmtMs(cp.at(-1)!)}, sha256sum ${fmtMs(sha.at(-1)!)}, pipeline ${fmtMs(run.ms)}, rss ${mb(run.maxRssBytes)}\n`);
    }
    const ratio = median(pipe) / median(cp);
    const result = {
      fileBytes: size,
      rounds,
      cpFsyncMs: median(cp),
      sha256sumMs: median(sha),
      pipelineMs: median(pipe),
      pipelineOverCp: Number(ratio.toFixed(2)),
      pipelineMBps: Number((size / 1024 / 1024 / (median(pipe) / 1000)).toFixed(0)),
      peakRssBytes: Math.max(...rss),
      targets: { pipelineOverCp: 1.5, peakRssBytes: 150 * 1024 * 1024 },
    };
    console.log(`\nsnapshot pipeline vs cp+fsync (${mb(size)}, median of ${rounds}):`);
    console.log(`  cp + fsync        ${fmtMs(result.cpFsyncMs)}`);
    console.log(`  sha256sum         ${fmtMs(result.sha256sumMs)}`);
    console.log(`  redback pipeline  ${fmtMs(result.pipelineMs)}  (${result.pipelineMBps} MB/s)`);
    console.log(`  ratio pipeline/cp ${result.pipelineOverCp}  (target ≤ 1.5)  ${result.pipelineOverCp <= 1.5 ? 'OK' : 'OVER'}`);
    console.log(`  peak RSS          ${mb(result.peakRssBytes)}  (target < 150 MiB)  ${result.peakRssBytes < 150 * 1024 * 1024 ? 'OK' : 'OVER'}`);
    console.log(JSON.stringify(result));
  } finally {
    await redis.stop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
