import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { storageError } from '../../shared/errors/index.js';
import { ensureDir, exists, fsyncDir } from '../../shared/fs/durable.js';
import { failpoint } from '../../shared/testing/failpoints.js';

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

/**
 * One move aside as a runbook journals it. `moved` is false while the move is only planned: the
 * journal is written BEFORE the rename, so a process killed between the rename and the next
 * checkpoint still leaves a record of where the live file went. Journals written before this
 * field existed have no `moved`: treat it as true.
 */
export interface MoveRecord {
  from: string;
  to: string;
  /** Which move of the runbook this is (e.g. `rdb`, `aof-dir`); names its failpoints. */
  what?: string;
  reason?: string;
  moved?: boolean;
}

/**
 * Moves a live file or directory into the run's quarantine `folder` in three journaled phases:
 * plan (the record, with its destination, is appended to `moves` and checkpointed), rename (and
 * fsync both directories), done (`moved: true`, REASON.json, checkpoint). Run again after a kill
 * it looks at the file system: a planned move whose source is still there is renamed now; one
 * whose destination exists was renamed already; a source that is there again after its move is
 * moved too (a file is never replaced). Returns the record, or null when `source` does not exist
 * and nothing was planned for it.
 */
export async function moveAsideJournaled(
  moves: MoveRecord[],
  move: { what: string; folder: string; source: string; reason: string; name?: string },
  checkpoint: () => Promise<void>,
): Promise<MoveRecord | null> {
  const planned = moves.find((m) => m.what === move.what && m.moved === false);
  if (planned) {
    const [sourceThere, targetThere] = [await exists(planned.from), await exists(planned.to)];
    if (!sourceThere && !targetThere) {
      moves.splice(moves.indexOf(planned), 1); // the source vanished before the rename: nothing moved
      await checkpoint();
      return null;
    }
    if (!targetThere) await renameAside(planned.from, planned.to); // planned, killed before the rename
    planned.moved = true;
    await appendReason(dirname(planned.to), { from: planned.from, to: planned.to, reason: planned.reason ?? move.reason, at: new Date().toISOString() });
    await checkpoint();
    return planned;
  }
  if (!(await exists(move.source))) return moves.filter((m) => m.what === move.what).pop() ?? null; // done before (a resumed step)
  const name = move.name ?? basename(move.source);
  let target = join(move.folder, name);
  for (let n = 2; await exists(target); n++) target = join(move.folder, `${name}.${n}`);
  const record: MoveRecord = { what: move.what, from: move.source, to: target, reason: move.reason, moved: false };
  moves.push(record);
  await checkpoint();
  failpoint(`move:${move.what}:before-rename`);
  await renameAside(move.source, target);
  failpoint(`move:${move.what}:after-rename`);
  record.moved = true;
  await appendReason(move.folder, { from: move.source, to: target, reason: move.reason, at: new Date().toISOString() });
  await checkpoint();
  return record;
}

async function renameAside(source: string, target: string): Promise<void> {
  try {
    await ensureDir(dirname(target));
    await rename(source, target);
    await fsyncDir(dirname(target));
    await fsyncDir(dirname(source));
  } catch (err) {
    throw storageError(err, 'move aside', source);
  }
}

/**
 * The moves of a run whose live file is still in quarantine: the destination exists and nothing
 * is at the original place. A rollback is not finished while this is not empty.
 */
export async function stillAside(moves: ReadonlyArray<MoveRecord>): Promise<MoveRecord[]> {
  const out: MoveRecord[] = [];
  for (const m of moves) if ((await exists(m.to)) && !(await exists(m.from))) out.push(m);
  return out;
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
