import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * Pids of redis-server processes working in `dir` or below. redis-server changes its process title
 * (its arguments are not visible), but it chdirs into its `dir`, so /proc/PID/cwd tells.
 */
export function redisServersUnder(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() !== 'redis-server') continue;
      if (readlinkSync(`/proc/${entry}/cwd`).startsWith(dir)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}
