import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDir, writeFileAtomic } from '../../shared/fs/durable.js';
import type { RunbookName } from './runbook.js';

/** `kept`: the run was closed (`recover --close`) without finishing or undoing this step; what it changed is left as it is. */
export type StepStatus = 'pending' | 'running' | 'done' | 'failed' | 'rolled-back' | 'skipped' | 'kept';
/**
 * `running` and `rolling-back` on disk mean the process died midway; `failed` is a failed run that
 * was not rolled back; `needs-attention` is a rollback that stopped (point of no return, or a
 * rollback step failed). All four are "unfinished": resume, roll back, or close. `closed` is an
 * unfinished run a human closed as it stood (`recover --close`).
 */
export type RunStatus = 'running' | 'rolling-back' | 'succeeded' | 'failed' | 'rolled-back' | 'needs-attention' | 'closed';

export const UNFINISHED_STATUSES: ReadonlySet<RunStatus> = new Set(['running', 'rolling-back', 'failed', 'needs-attention']);

export interface JournalStep {
  name: string;
  status: StepStatus;
  startedAt?: string;
  finishedAt?: string;
  notes: string[];
  /** Things a human must look at (StepEnv.warn). */
  warnings?: string[];
  error?: string;
}

/** The record of one runbook run, rewritten atomically after every step change. */
export interface RunJournal {
  format: 'redback.runbook/v1';
  runId: string;
  runbook: RunbookName;
  instance: string;
  status: RunStatus;
  startedAt: string;
  finishedAt?: string;
  /** The runbook's state (JSON); enough to resume or roll back. */
  state: unknown;
  steps: JournalStep[];
  error?: { code: string; message: string; hint?: string };
  /** Set by `recover --close`: why, and what the run's status was. */
  closed?: { reason: string; previousStatus: RunStatus };
}

/** Journals live in `<backupDir>/.agent/runbooks/<instance>/<runId>.json`. */
export class JournalStore {
  constructor(private readonly root: string) {}

  dir(instance: string): string {
    return join(this.root, 'runbooks', instance);
  }

  async save(journal: RunJournal): Promise<void> {
    await ensureDir(this.dir(journal.instance));
    await writeFileAtomic(join(this.dir(journal.instance), `${journal.runId}.json`), JSON.stringify(journal, null, 2) + '\n');
  }

  async list(instance: string): Promise<RunJournal[]> {
    const files = await readdir(this.dir(instance)).catch(() => [] as string[]);
    const journals: RunJournal[] = [];
    for (const file of files.filter((f) => f.endsWith('.json') && !f.startsWith('.')).sort()) {
      try {
        journals.push(JSON.parse(await readFile(join(this.dir(instance), file), 'utf8')) as RunJournal);
      } catch {
        // an unreadable journal is skipped; it stays on disk for a human
      }
    }
    return journals;
  }

  /** The newest run that did not end cleanly (killed midway, failed without rollback, or waiting for a human). */
  async unfinished(instance: string): Promise<RunJournal | null> {
    const all = await this.list(instance);
    const open = all.filter((j) => UNFINISHED_STATUSES.has(j.status));
    return open.length ? open[open.length - 1]! : null;
  }

  async load(instance: string, runId: string): Promise<RunJournal | null> {
    try {
      return JSON.parse(await readFile(join(this.dir(instance), `${runId}.json`), 'utf8')) as RunJournal;
    } catch {
      return null;
    }
  }
}
