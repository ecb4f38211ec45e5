import { stat } from 'node:fs/promises';
import { RedbackError } from '../../shared/errors/index.js';
import { exists } from '../../shared/fs/durable.js';
import { describeOutcome, runFile, type RunResult } from '../control/exec-file.js';
import { entryPath, lastFile, loadedFiles, readAofManifest, type AofManifest } from './aof-manifest.js';
import { copyAside } from '../../shared/fs/copy-aside.js';

/**
 * Checking and repairing a Redis 7 multi-part AOF with `redis-check-aof <manifest>`.
 *
 * What redis-check-aof 7.0.15 prints (all on stdout; exit 0 = valid, 1 = anything else):
 *
 *   Start checking Multi Part AOF
 *   Start to check BASE AOF (RDB format).            (or "(RESP format)." for a .base.aof)
 *   [offset 0] Checking RDB file appendonly.aof.2.base.rdb
 *   ...                                               (redis-check-rdb style lines)
 *   RDB preamble is OK, proceeding with AOF tail...
 *   AOF analyzed: filename=appendonly.aof.2.base.rdb, size=256, ok_up_to=256, ok_up_to_line=1, diff=0
 *   BASE AOF appendonly.aof.2.base.rdb is valid
 *   Start to check INCR files.
 *   AOF analyzed: filename=appendonly.aof.2.incr.aof, size=643, ok_up_to=643, ok_up_to_line=146, diff=0
 *   INCR AOF appendonly.aof.2.incr.aof is valid      (or "INCR AOF <name> is empty")
 *   All AOF files and manifest are valid
 *
 * A damaged RESP file (torn tail or garbage; the check stops at the first bad file):
 *
 *   0x             27e: Expected to read 5 bytes, got 0 bytes     (or "Expected \r\n, got: 580a",
 *                                                                   "AOF <name> format error", ...)
 *   AOF analyzed: filename=appendonly.aof.2.incr.aof, size=638, ok_up_to=612, ok_up_to_line=145, diff=26
 *   AOF appendonly.aof.2.incr.aof is not valid. Use the --fix option to try fixing it.
 *
 * A damaged RDB base: `--- RDB ERROR DETECTED ---`, `[offset 256] RDB CRC error` (or
 * `Unexpected EOF reading RDB file`), then `RDB preamble of AOF file is not sane, aborting.`
 * A missing file: `Cannot open file <dir>/<name>: No such file or directory[, aborting...]`.
 * A bad manifest: `*** FATAL AOF MANIFEST FILE ERROR ***` ... `Invalid AOF manifest file format`.
 *
 * `--fix` asks `This will shrink the AOF <name> from 638 bytes, with 26 bytes, to 612 bytes` /
 * `Continue? [y/N]: ` and on `y` prints `Successfully truncated AOF <name>` then re-checks; it
 * only ever truncates the LAST file (`Failed to truncate AOF <name> because it is not the last
 * file`) and cannot repair an RDB base. Note that it cuts everything after the first bad byte, so
 * garbage in the middle of the last file loses every later command (`bytesToCut` says how many).
 *
 * An empty manifest makes redis-check-aof treat it as an "Old-Style AOF" that is empty and valid
 * (exit 0): we read the manifest ourselves first and report that as missing-files.
 *
 * Checking a live AOF is safe (read only) but the last file may grow during the check.
 */

export type AofCheckStatus = 'ok' | 'truncated-last-file' | 'corrupt-earlier-file' | 'missing-files' | 'error';

export interface AofFileAnalysis {
  file: string;
  size: number;
  okUpTo: number;
  okUpToLine: number;
  diff: number;
}

export interface AofDamage {
  /** File name as listed in the manifest. */
  file: string;
  path: string;
  role: 'base' | 'incr';
  /** RDB-format base (`.base.rdb`) or RESP commands. */
  format: 'rdb' | 'resp';
  /** Bytes before the damage (ok_up_to), for RDB the offset of the error; null when unknown. */
  offset: number | null;
  size: number | null;
  /** What `--fix` would cut (size - ok_up_to); null when --fix cannot repair it. */
  bytesToCut: number | null;
  /** redis-check-aof's reason, e.g. "Expected to read 5 bytes, got 0 bytes", "RDB CRC error". */
  detail: string;
}

export interface AofCheckResult {
  status: AofCheckStatus;
  ok: boolean;
  /** True only for truncated-last-file: `fixAof` can repair it. */
  fixable: boolean;
  /** One line for humans. */
  message: string;
  manifestPath: string;
  manifest: AofManifest | null;
  damage: AofDamage | null;
  /** Listed files (or the manifest itself) that do not exist. */
  missingFiles: string[];
  analyzed: AofFileAnalysis[];
  exitCode: number | null;
  /** Raw redis-check-aof output (stdout then stderr). */
  output: string;
}

export interface CheckAofOptions {
  /** Default 'redis-check-aof'. */
  binary?: string;
  /** Default 30 minutes (large AOFs take a while). */
  timeoutMs?: number;
}

/** Runs `redis-check-aof <manifest>` and returns what it found. Throws only when the tool cannot run. */
export async function checkAof(manifestPath: string, options: CheckAofOptions = {}): Promise<AofCheckResult> {
  const base: AofCheckResult = {
    status: 'error',
    ok: false,
    fixable: false,
    message: '',
    manifestPath,
    manifest: null,
    damage: null,
    missingFiles: [],
    analyzed: [],
    exitCode: null,
    output: '',
  };
  if (!(await exists(manifestPath))) {
    return { ...base, status: 'missing-files', missingFiles: [manifestPath], message: `AOF manifest ${manifestPath} does not exist` };
  }
  let manifest: AofManifest;
  try {
    manifest = await readAofManifest(manifestPath);
  } catch (err) {
    return { ...base, message: (err as Error).message };
  }
  base.manifest = manifest;
  const run = await runCheckAof([manifestPath], options);
  base.exitCode = run.code;
  base.output = run.stdout + run.stderr;
  base.analyzed = parseAnalyzed(base.output);

  const files = loadedFiles(manifest);
  const missing: string[] = [];
  for (const entry of files) if (!(await exists(entryPath(manifest, entry)))) missing.push(entryPath(manifest, entry));
  if (files.length === 0) {
    return { ...base, status: 'missing-files', message: `AOF manifest ${manifestPath} lists no base and no incr file` };
  }
  if (missing.length > 0) {
    return { ...base, status: 'missing-files', missingFiles: missing, message: `AOF file${missing.length > 1 ? 's' : ''} listed in ${manifestPath} missing: ${missing.join(', ')}` };
  }
  return { ...base, ...interpretCheckOutput(base.output, run.code, manifest) };
}

/**
 * Turns redis-check-aof output into a status. Exported for tests with recorded outputs; the
 * manifest says which file is the last one (the only one --fix can truncate).
 */
export function interpretCheckOutput(
  output: string,
  exitCode: number | null,
  manifest: AofManifest,
): Pick<AofCheckResult, 'status' | 'ok' | 'fixable' | 'message' | 'damage' | 'missingFiles' | 'analyzed'> {
  const analyzed = parseAnalyzed(output);
  const lines = output.split(/\r?\n/);
  let baseFormat: 'rdb' | 'resp' = manifest.base?.name.endsWith('.rdb') ? 'rdb' : 'resp';
  let detail = '';
  let rdbError = false;
  let rdbDetail = '';
  let rdbOffset: number | null = null;
  let invalid: string | null = null;
  let notLast: string | null = null;
  let rdbNotSane = false;
  let manifestError = '';
  let allValid = false;
  const cannotOpen: string[] = [];
  for (const line of lines) {
    let m: RegExpExecArray | null;
    if ((m = /^Start to check BASE AOF \((\w+) format\)/.exec(line))) baseFormat = m[1] === 'RDB' ? 'rdb' : 'resp';
    else if (/^--- RDB ERROR DETECTED ---/.test(line)) rdbError = true;
    else if (rdbError && !rdbDetail && (m = /^\[offset (\d+)\] (.*)$/.exec(line))) {
      rdbOffset = Number(m[1]);
      rdbDetail = m[2]!;
    } else if ((m = /^0x\s*[0-9a-fA-F]+: (.*)$/.exec(line))) detail = m[1]!;
    else if ((m = /^AOF (.*) format error$/.exec(line))) detail = 'format error';
    else if ((m = /^AOF (.*) is not valid\. Use the --fix option/.exec(line))) invalid = m[1]!;
    else if ((m = /^Failed to truncate AOF (.*?) because it is not the last file/.exec(line))) notLast = m[1]!;
    else if (/^RDB preamble of AOF file is not sane/.test(line)) rdbNotSane = true;
    else if ((m = /^Cannot (?:open|stat) file:? (.*?)(?:: ([^:]*?))?(?:, aborting\.\.\.)?$/.exec(line))) cannotOpen.push(m[1]!);
    else if (/FATAL AOF MANIFEST FILE ERROR/.test(line)) manifestError = 'invalid AOF manifest';
    else if ((m = /# (Invalid AOF manifest file format|The AOF manifest file contains too long line|.*manifest.*)$/.exec(line)) && manifestError) manifestError = m[1]!;
    else if (/^All AOF files and manifest are valid/.test(line)) allValid = true;
  }
  const last = lastFile(manifest);
  const describeFiles = `${manifest.base ? `base ${manifest.base.name}` : 'no base'} + ${manifest.incrs.length} incr file${manifest.incrs.length === 1 ? '' : 's'}`;
  const none = { damage: null, missingFiles: [] as string[], analyzed };

  if (allValid && exitCode === 0) return { ...none, status: 'ok', ok: true, fixable: false, message: `AOF is valid (${describeFiles})` };

  const damagedName = invalid ?? notLast;
  if (damagedName) {
    const entry = loadedFiles(manifest).find((e) => e.name === damagedName || damagedName.endsWith(`/${e.name}`));
    const a = analyzed.filter((x) => x.file === damagedName).pop();
    const role: 'base' | 'incr' = entry?.type === 'b' ? 'base' : 'incr';
    const isLast = !!entry && entry === last && !notLast;
    const damage: AofDamage = {
      file: entry?.name ?? damagedName,
      path: entry ? entryPath(manifest, entry) : damagedName,
      role,
      format: role === 'base' ? baseFormat : 'resp',
      offset: a?.okUpTo ?? null,
      size: a?.size ?? null,
      bytesToCut: isLast && a ? a.diff : null,
      detail: detail || 'invalid',
    };
    const at = a ? ` at byte ${a.okUpTo} of ${a.size}` : '';
    if (isLast) {
      return {
        ...none,
        damage,
        status: 'truncated-last-file',
        ok: false,
        fixable: true,
        message: `AOF ${damage.file} (the last file) is damaged${at} (${damage.detail}): --fix would cut the last ${damage.bytesToCut ?? '?'} bytes`,
      };
    }
    return {
      ...none,
      damage,
      status: 'corrupt-earlier-file',
      ok: false,
      fixable: false,
      message: `AOF ${damage.file} is damaged${at} (${damage.detail}) and is not the last file: redis-check-aof --fix cannot repair it`,
    };
  }
  if (rdbNotSane || rdbError) {
    const entry = manifest.base;
    const damage: AofDamage = {
      file: entry?.name ?? '(base)',
      path: entry ? entryPath(manifest, entry) : manifest.dir,
      role: 'base',
      format: 'rdb',
      offset: rdbOffset,
      size: null,
      bytesToCut: null,
      detail: rdbDetail || 'RDB preamble is not sane',
    };
    return {
      ...none,
      damage,
      status: 'corrupt-earlier-file',
      ok: false,
      fixable: false,
      message: `AOF base ${damage.file} (RDB format) is damaged${rdbOffset !== null ? ` at byte ${rdbOffset}` : ''} (${damage.detail}): redis-check-aof --fix cannot repair an RDB base`,
    };
  }
  if (cannotOpen.length > 0) {
    return { ...none, missingFiles: cannotOpen, status: 'missing-files', ok: false, fixable: false, message: `AOF files cannot be opened: ${cannotOpen.join(', ')}` };
  }
  if (manifestError) return { ...none, status: 'error', ok: false, fixable: false, message: `redis-check-aof rejected the manifest ${manifest.path}: ${manifestError}` };
  const tail = lines.map((l) => l.trim()).filter(Boolean).pop() ?? '';
  return { ...none, status: 'error', ok: false, fixable: false, message: `redis-check-aof exited ${exitCode} with output we do not understand: ${tail}` };
}

function parseAnalyzed(output: string): AofFileAnalysis[] {
  const out: AofFileAnalysis[] = [];
  const re = /^AOF analyzed: filename=(.*), size=(\d+), ok_up_to=(\d+), ok_up_to_line=(\d+), diff=(\d+)\s*$/gm;
  for (const m of output.matchAll(re)) {
    out.push({ file: m[1]!, size: Number(m[2]), okUpTo: Number(m[3]), okUpToLine: Number(m[4]), diff: Number(m[5]) });
  }
  return out;
}

async function runCheckAof(args: string[], options: CheckAofOptions & { input?: string }): Promise<RunResult> {
  const binary = options.binary ?? 'redis-check-aof';
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  const result = await runFile(binary, args, { timeoutMs, input: options.input ?? '' });
  if (result.spawnError) {
    throw new RedbackError('PREFLIGHT_FAILED', `${binary} ${describeOutcome(result)}`, {
      hint: 'install redis-check-aof (Debian/Ubuntu: it comes with the redis-server / redis-tools package)',
      details: { binary },
    });
  }
  if (result.timedOut) {
    throw new RedbackError('TIMEOUT', `${binary} ${args.join(' ')} ${describeOutcome(result, timeoutMs)}`, {
      hint: 'the AOF is very large or the disk is slow; run redis-check-aof by hand',
    });
  }
  return result;
}

export interface FixAofResult {
  /** Name (as in the manifest) of the file that was truncated; null when the AOF was already valid. */
  fixedFile: string | null;
  /** Its path. */
  path: string | null;
  bytesBefore: number;
  bytesAfter: number;
  bytesCut: number;
  /** Quarantine folder with the untouched copy of the file and REASON.json; null when nothing was done. */
  backupFolder: string | null;
  before: AofCheckResult;
  after: AofCheckResult;
  /** Raw output of `redis-check-aof --fix`. */
  output: string;
}

/**
 * Repairs an AOF whose LAST file has a damaged tail, the way the seed's runbook says
 * (redis-check-aof --fix), without losing the original:
 *
 * 1. checks; a valid AOF is left alone (fixedFile null);
 * 2. refuses with AOF_CORRUPT when the damage is in an earlier file or an RDB base, or files are
 *    missing: only a restore from an RDB copy helps then;
 * 3. COPIES the file that will be cut into `<quarantineRoot>/<ts>-aof-fix/` with a REASON.json
 *    (copy, not move: --fix edits the file in place);
 * 4. runs `redis-check-aof --fix <manifest>` answering `y` to its `Continue? [y/N]` prompt;
 * 5. re-checks and requires a valid AOF whose file shrank by exactly the bytes announced.
 *
 * Redis must be stopped: it appends to the last file while running.
 */
export async function fixAof(manifestPath: string, quarantineRoot: string, options: CheckAofOptions & { now?: Date } = {}): Promise<FixAofResult> {
  const before = await checkAof(manifestPath, options);
  if (before.ok) {
    return { fixedFile: null, path: null, bytesBefore: 0, bytesAfter: 0, bytesCut: 0, backupFolder: null, before, after: before, output: '' };
  }
  if (!before.fixable || !before.damage) throw refuseFix(before);
  const damage = before.damage;
  const bytesBefore = (await stat(damage.path)).size;
  const backupFolder = await copyAside(
    quarantineRoot,
    'aof-fix',
    [damage.path],
    {
      reason: 'copy of the AOF file before redis-check-aof --fix truncated it',
      manifest: manifestPath,
      file: damage.file,
      detail: damage.detail,
      okUpTo: damage.offset,
      bytesToCut: damage.bytesToCut,
    },
    options.now,
  );
  const run = await runCheckAof(['--fix', manifestPath], { ...options, input: 'y\n' });
  const output = run.stdout + run.stderr;
  const truncated = /Successfully truncated AOF (.*)$/m.exec(output)?.[1];
  const bytesAfter = (await stat(damage.path)).size;
  if (!truncated) {
    const tail = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).pop() ?? '';
    throw new RedbackError('AOF_CORRUPT', `redis-check-aof --fix did not repair ${damage.file}: ${tail}`, {
      hint: `the original is kept in ${backupFolder}; restore from an RDB copy (redback agent recover)`,
      details: { manifest: manifestPath, backupFolder, output },
    });
  }
  const after = await checkAof(manifestPath, options);
  if (!after.ok || truncated !== damage.file || (damage.offset !== null && bytesAfter !== damage.offset)) {
    throw new RedbackError('AOF_CORRUPT', `after redis-check-aof --fix the AOF is still not valid or not as announced (${after.message})`, {
      hint: `the original ${damage.file} is kept in ${backupFolder}; restore from an RDB copy (redback agent recover)`,
      details: { manifest: manifestPath, backupFolder, bytesBefore, bytesAfter, expected: damage.offset },
    });
  }
  return { fixedFile: damage.file, path: damage.path, bytesBefore, bytesAfter, bytesCut: bytesBefore - bytesAfter, backupFolder, before, after, output };
}

function refuseFix(result: AofCheckResult): RedbackError {
  const details = { manifest: result.manifestPath, status: result.status, damage: result.damage, missingFiles: result.missingFiles };
  if (result.status === 'corrupt-earlier-file' && result.damage) {
    return new RedbackError('AOF_CORRUPT', `cannot repair the AOF: ${result.message}`, {
      hint: `${result.damage.file} is damaged before the end of the AOF, so no truncation can save it: restore from an RDB copy (redback agent recover); nothing was changed`,
      details,
    });
  }
  if (result.status === 'missing-files') {
    return new RedbackError('AOF_CORRUPT', `cannot repair the AOF: ${result.message}`, {
      hint: 'files of the AOF are gone: restore from an RDB copy (redback agent recover); nothing was changed',
      details,
    });
  }
  return new RedbackError('AOF_CORRUPT', `cannot repair the AOF: ${result.message}`, {
    hint: `run "redis-check-aof ${result.manifestPath}" by hand and read its output; a restore from an RDB copy may be needed; nothing was changed`,
    details,
  });
}

export interface TruncateToTimestampResult {
  /** The file cut (the last one), or null when nothing was after the timestamp. */
  truncatedFile: string | null;
  path: string;
  bytesBefore: number;
  bytesAfter: number;
  bytesCut: number;
  backupFolder: string;
  output: string;
}

/**
 * Point-in-time recovery on an AOF written with `aof-timestamp-enabled yes`: cuts the last file
 * after the last `#TS:` annotation not later than `unixSeconds`, with
 * `redis-check-aof --truncate-to-timestamp` (which does not prompt). The AOF must be valid first,
 * and the last file is copied aside before (same rule as fixAof). redis-check-aof refuses when the
 * point lies in an earlier file ("... because it is not the last file") or when the last file has
 * nothing before it ("has nothing before timestamp"): PREFLIGHT_FAILED, nothing changed.
 * Redis must be stopped.
 */
export async function truncateToTimestamp(
  manifestPath: string,
  unixSeconds: number,
  quarantineRoot: string,
  options: CheckAofOptions & { now?: Date } = {},
): Promise<TruncateToTimestampResult> {
  if (!Number.isInteger(unixSeconds) || unixSeconds <= 0) {
    throw new RedbackError('USAGE', `invalid timestamp ${unixSeconds}: give unix seconds`);
  }
  const before = await checkAof(manifestPath, options);
  if (!before.ok || !before.manifest) {
    throw new RedbackError('AOF_CORRUPT', `cannot truncate the AOF to a timestamp: ${before.message}`, {
      hint: 'repair the AOF first (redback agent check-aof --fix), or restore from an RDB copy',
      details: { manifest: manifestPath, status: before.status },
    });
  }
  const last = lastFile(before.manifest)!;
  const path = entryPath(before.manifest, last);
  const bytesBefore = (await stat(path)).size;
  const backupFolder = await copyAside(
    quarantineRoot,
    'aof-truncate',
    [path],
    { reason: `copy of the last AOF file before redis-check-aof --truncate-to-timestamp ${unixSeconds}`, manifest: manifestPath, file: last.name },
    options.now,
  );
  const run = await runCheckAof(['--truncate-to-timestamp', String(unixSeconds), manifestPath], { ...options, input: '' });
  const output = run.stdout + run.stderr;
  const bytesAfter = (await stat(path)).size;
  const refused =
    /^AOF (.*) has nothing before timestamp/m.exec(output) ??
    /^Failed to truncate AOF (.*?) to timestamp .*not the last file/m.exec(output) ??
    /^(Invalid timestamp.*)$/m.exec(output);
  if (refused || run.code !== 0) {
    const tail = output.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).pop() ?? '';
    throw new RedbackError('PREFLIGHT_FAILED', `cannot truncate the AOF to ${new Date(unixSeconds * 1000).toISOString()}: ${tail}`, {
      hint: 'the point in time lies before the last AOF file: pick a later time, or restore an RDB copy taken before it',
      details: { manifest: manifestPath, backupFolder, bytesBefore, bytesAfter, output },
    });
  }
  const truncated = /Successfully truncated AOF (.*) to timestamp/m.exec(output)?.[1] ?? null;
  return { truncatedFile: truncated, path, bytesBefore, bytesAfter, bytesCut: bytesBefore - bytesAfter, backupFolder, output };
}
