// npm run bench — every benchmark in turn, each in its own process (each prints its own summary
// and a JSON line with its numbers).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failed = 0;
for (const bench of ['snapshot.bench.js', 'restore.bench.js', 'fleet.bench.js', 'upload.bench.js', 'transfer.bench.js']) {
  process.stdout.write(`\n### ${bench}\n`);
  const result = spawnSync(process.execPath, [join(here, bench)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
