import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * Runs once before the suite: integration tests need real redis-server and redis-check-aof
 * binaries (a missing one fails the run, never skips it), and the CLI tests run the compiled
 * `dist/`, so the TypeScript build (which is also the type check) runs first.
 */
export default function setup(): void {
  for (const binary of ['redis-server', 'redis-cli', 'redis-check-aof', 'redis-check-rdb']) {
    try {
      execFileSync('sh', ['-c', `command -v ${binary}`], { stdio: 'pipe' });
    } catch {
      throw new Error(`${binary} is not installed: the integration tests need it (apt-get install -y redis-server redis-tools)`);
    }
  }
  if (process.env.REDBACK_TEST_SKIP_BUILD === '1') return; // a developer who just built
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json')], {
    stdio: 'inherit',
    cwd: root,
  });
}
