import { readFile, statfs } from 'node:fs/promises';
import { freemem } from 'node:os';
import { RedbackError } from '../../shared/errors/index.js';
import { formatBytes } from '../../shared/output/format.js';

/** Memory the kernel can give without swapping (MemAvailable), or os.freemem() where there is no /proc. */
export async function availableMemory(): Promise<number> {
  const text = await readFile('/proc/meminfo', 'utf8').catch(() => '');
  const m = /^MemAvailable:\s+(\d+) kB$/m.exec(text);
  return m ? Number(m[1]) * 1024 : freemem();
}

/**
 * A scratch drill runs next to live Redis servers: before anything is copied it checks that the
 * host has room for one more copy of the data — the RDB's size free in the scratch directory's file
 * system, and the dataset's used memory (from the copy's manifest) available in RAM — so a drill
 * never pushes the live servers into swap or the OOM killer. PREFLIGHT_FAILED (exit 9) otherwise.
 */
export async function checkScratchRoom(dir: string, need: { bytes: number; usedMem: number | null }, instance: string): Promise<void> {
  const problems: string[] = [];
  const fs = await statfs(dir).catch(() => null);
  if (fs) {
    const free = fs.bavail * fs.bsize;
    if (free < need.bytes * 1.1) problems.push(`${formatBytes(free)} free in ${dir}, the copy needs ${formatBytes(need.bytes)}`);
  }
  if (need.usedMem !== null) {
    const available = await availableMemory();
    if (available < need.usedMem * 1.2) problems.push(`${formatBytes(available)} of memory available, the dataset used ${formatBytes(need.usedMem)}`);
  }
  if (problems.length > 0) {
    throw new RedbackError('PREFLIGHT_FAILED', `no room for a scratch redis-server of ${instance} on this host: ${problems.join('; ')}`, {
      hint: 'point the agent\'s TMPDIR at a larger disk, or drill into an instance on a drill host with --target-instance',
    });
  }
}
