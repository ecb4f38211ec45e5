import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../../shared/fs/durable.js';

export interface JobOutcome {
  jobId: string;
  ok: boolean;
  errorCode: string;
  errorMessage: string;
  errorHint: string;
  resultJson: string;
  finishedAt: string;
}

const KEEP_MS = 7 * 24 * 3600_000;

/**
 * The agent's record of the jobs it has executed (`<backupDir>/.agent/jobs/<jobId>.json`), so a
 * job the coordinator sends again after a reconnect is answered from the record instead of being
 * run a second time (at most once). Records older than a week are dropped.
 */
export class JobLedger {
  constructor(private readonly dir: string) {}

  private file(jobId: string): string {
    return join(this.dir, `${jobId.replace(/[^A-Za-z0-9._-]/g, '_')}.json`);
  }

  async get(jobId: string): Promise<JobOutcome | null> {
    try {
      return JSON.parse(await readFile(this.file(jobId), 'utf8')) as JobOutcome;
    } catch {
      return null;
    }
  }

  async record(outcome: JobOutcome): Promise<void> {
    await ensureDir(this.dir);
    await writeFileAtomic(this.file(outcome.jobId), JSON.stringify(outcome));
  }

  /** Ids of recent jobs (for Hello), newest last. */
  async recentIds(limit = 200): Promise<string[]> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    return files
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .sort()
      .slice(-limit)
      .map((f) => f.slice(0, -5));
  }

  async prune(now = Date.now()): Promise<void> {
    const files = await readdir(this.dir).catch(() => [] as string[]);
    for (const f of files) {
      const path = join(this.dir, f);
      const info = await stat(path).catch(() => null);
      if (info && now - info.mtimeMs > KEEP_MS) await unlink(path).catch(() => undefined);
    }
  }
}
