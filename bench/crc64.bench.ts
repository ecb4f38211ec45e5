/**
 * Micro-benchmark: CRC-64/Jones (redback's, both paths) against node's crypto SHA-256 over the
 * same 256 MB buffer, fed in 1 MiB pieces as a file copy would.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/crc64.bench.js [sizeMB]
 */
import { createHash, randomFillSync } from 'node:crypto';
import { Crc64, crc64Implementation, crc64Js } from '../shared/rdb/crc64.js';

const sizeMb = Number(process.argv[2] ?? 256);
const size = sizeMb * 1024 * 1024;
const piece = 1 << 20;
const data = Buffer.allocUnsafe(size);
randomFillSync(data);

function measure(name: string, rounds: number, run: () => string): void {
  run(); // warm-up
  let best = Infinity;
  let result = '';
  for (let i = 0; i < rounds; i++) {
    const start = process.hrtime.bigint();
    result = run();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, seconds);
  }
  console.log(`${name.padEnd(24)} ${(sizeMb / best).toFixed(0).padStart(6)} MB/s   (${result.slice(0, 16)})`);
}

console.log(`${sizeMb} MB of random data, best of 3; crc64 implementation: ${crc64Implementation}`);
measure(`crc64 (${crc64Implementation})`, 3, () => {
  const c = new Crc64();
  for (let off = 0; off < size; off += piece) c.update(data.subarray(off, off + piece));
  return c.digestHex();
});
measure('crc64 (pure js)', 3, () => {
  let crc = 0n;
  for (let off = 0; off < size; off += piece) crc = crc64Js(data.subarray(off, off + piece), crc);
  return crc.toString(16).padStart(16, '0');
});
measure('sha256 (node crypto)', 3, () => {
  const h = createHash('sha256');
  for (let off = 0; off < size; off += piece) h.update(data.subarray(off, off + piece));
  return h.digest('hex');
});
