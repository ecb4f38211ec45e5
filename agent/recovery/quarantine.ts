import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { storageError } from '../../shared/errors/index.js';
import { ensureDir, exists, fsyncDir } from '../../shared/fs/durable.js';

/**
 * Live files a runbook replaces are moved (renamed, never deleted) into one folder per run INSIDE
 * the Redis `dir`, so the rename stays on one file system:
 *
 *   <dir>/redback-quarantine/<runId>/            runId = <timestamp>-<runbook>-<random>
 *   <dir>/redback-quarantine/<runId>/REASON.json what was moved from where, and why
 */
export const QUARANTINE_DIRNAME = 'redback-quarantine';

export function runQuarantineDir(dataDir: string, runId: string): string {
  return join(dataDir, QUARANTINE_DIRNAME, runId);
}

export interface QuarantineEntry {
  from: string;
  to: string;
  reason: string;
  at: string;
}

/**
 * Moves `source` (file or directory) into `folder` under `name` (default: its base name) and
 * records it in REASON.json. Idempotent for resumed runs: when the source is gone and the target
 * exists, it was already moved. Returns the target, or null when there was nothing to move.
 */
export async function moveIntoQuarantine(folder: string, source: string, reason: string, name = basename(source)): Promise<string | null> {
  let target = join(folder, name);
  const sourceExists = await exists(source);
  if (!sourceExists) return (await exists(target)) ? target : null;
  await ensureDir(folder);
  for (let n = 2; await exists(target); n++) target = join(folder, `${name}.${n}`);
  try {
    await rename(source, target);
    await fsyncDir(folder);
    await fsyncDir(dirname(source));
  } catch (err) {
    throw storageError(err, 'move aside', source);
  }
  await appendReason(folder, { from: source, to: target, reason, at: new Date().toISOString() });
  return target;
}

/** Puts a quarantined file back (rollback); the place must be free. */
export async function restoreFromQuarantine(entry: { from: string; to: string }): Promise<void> {
  if (!(await exists(entry.to))) return; // already back (resumed rollback)
  try {
    await rename(entry.to, entry.from);
    await fsyncDir(dirname(entry.from));
  } catch (err) {
    throw storageError(err, 'move back', entry.from);
  }
  await appendReason(dirname(entry.to), { from: entry.to, to: entry.from, reason: 'moved back by rollback', at: new Date().toISOString() });
}

async function appendReason(folder: string, entry: QuarantineEntry): Promise<void> {
  const path = join(folder, 'REASON.json');
  let doc: { note: string; entries: QuarantineEntry[] } = {
    note: 'files redback moved aside during a recovery run; nothing here is ever deleted by redback',
    entries: [],
  };
  try {
    doc = JSON.parse(await readFile(path, 'utf8')) as typeof doc;
  } catch {
    // first entry
  }
  doc.entries.push(entry);
  await writeFile(path, JSON.stringify(doc, null, 2) + '\n', { mode: 0o600 });
}
