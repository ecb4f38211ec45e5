import { chown, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { RedbackError, storageError } from '../../shared/errors/index.js';
import { writeFileAtomic } from '../../shared/fs/durable.js';
import { copyAside } from '../../shared/fs/copy-aside.js';

/**
 * Reading and editing redis.conf while Redis is down (CONFIG GET/SET need a running server).
 *
 * Parsing follows Redis's own loader (config.c + sdssplitargs): each line is trimmed; empty lines
 * and lines starting with `#` are skipped (there are no trailing comments: `appendonly yes # x`
 * is three arguments); arguments are split on white space, with "double quotes" (escapes \n \r
 * \t \b \a \\ \" and \xHH) and 'single quotes' (only \' escaped); directive names are
 * case-insensitive. The last occurrence of a directive wins. (A few directives accumulate
 * instead, e.g. `save`, `rename-command`, `user`, `loadmodule`: `directiveOccurrences()` lists every occurrence.)
 *
 * `include` is processed in place like Redis does, but only followed when "simple": an absolute
 * path without glob characters to a readable file. Others (relative paths resolve against the
 * redis-server working directory, which we do not know; globs) are listed, not followed.
 *
 * Files are read and written as latin1 so bytes we do not touch round-trip exactly.
 */

export interface RedisConfEntry {
  /** Directive name, lowercased. */
  name: string;
  args: string[];
  /** The file it came from and its 1-based line number. */
  file: string;
  line: number;
}

export interface RedisConfInclude {
  path: string;
  file: string;
  line: number;
  followed: boolean;
  /** Why it was not followed. */
  reason?: string;
}

export interface RedisConf {
  path: string;
  /** Every directive in effective order (followed includes expanded in place). */
  entries: RedisConfEntry[];
  /** Directive name (lowercase) → arguments of its last occurrence joined by one space. */
  values: Record<string, string>;
  includes: RedisConfInclude[];
  /** Lines Redis would refuse (unbalanced quotes); Redis does not start with these. */
  errors: Array<{ file: string; line: number; message: string }>;
}

export async function readRedisConf(path: string): Promise<RedisConf> {
  const conf: RedisConf = { path, entries: [], values: Object.create(null) as Record<string, string>, includes: [], errors: [] };
  await loadInto(conf, path, new Set(), 0);
  for (const entry of conf.entries) conf.values[entry.name] = entry.args.join(' ');
  return conf;
}

/** Parses redis.conf text (no includes followed). */
export function parseRedisConf(text: string, file = '<string>'): RedisConf {
  const conf: RedisConf = { path: file, entries: [], values: Object.create(null) as Record<string, string>, includes: [], errors: [] };
  for (const item of parseLines(text, file, conf)) {
    if (item.name === 'include') conf.includes.push({ path: item.args[0] ?? '', file, line: item.line, followed: false, reason: 'parsed from a string' });
    conf.entries.push(item);
  }
  for (const entry of conf.entries) conf.values[entry.name] = entry.args.join(' ');
  return conf;
}

/** The value Redis would use: the last occurrence in the file, else `defaultValue`. */
export function effectiveValue(conf: RedisConf, name: string, defaultValue: string): string;
export function effectiveValue(conf: RedisConf, name: string, defaultValue?: string | null): string | null;
export function effectiveValue(conf: RedisConf, name: string, defaultValue: string | null = null): string | null {
  const value = conf.values[name.toLowerCase()];
  return value === undefined ? defaultValue : value;
}

/** Every occurrence of a directive, in effective order. */
export function directiveOccurrences(conf: RedisConf, name: string): RedisConfEntry[] {
  const lower = name.toLowerCase();
  return conf.entries.filter((e) => e.name === lower);
}

async function loadInto(conf: RedisConf, path: string, visiting: Set<string>, depth: number): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch (err) {
    throw storageError(err, 'read redis config', path);
  }
  const real = await realpath(path).catch(() => path);
  visiting.add(real);
  for (const item of parseLines(text, path, conf)) {
    if (item.name !== 'include') {
      conf.entries.push(item);
      continue;
    }
    const target = item.args[0] ?? '';
    const include: RedisConfInclude = { path: target, file: path, line: item.line, followed: false };
    conf.includes.push(include);
    conf.entries.push(item);
    if (!isAbsolute(target)) include.reason = 'relative path (resolved against the redis-server working directory)';
    else if (/[*?[]/.test(target)) include.reason = 'glob pattern';
    else if (depth >= 10) include.reason = 'includes nested too deep';
    else {
      const targetReal = await realpath(target).catch(() => null);
      if (targetReal === null) include.reason = 'file not found';
      else if (visiting.has(targetReal)) include.reason = 'include cycle';
      else {
        try {
          await loadInto(conf, target, visiting, depth + 1);
          include.followed = true;
        } catch (err) {
          include.reason = `unreadable: ${(err as Error).message}`;
        }
      }
    }
  }
  visiting.delete(real);
}

function* parseLines(text: string, file: string, conf: RedisConf): Generator<RedisConfEntry> {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const args = splitArgs(trimmed);
    if (args === null) {
      conf.errors.push({ file, line: i + 1, message: 'unbalanced quotes in configuration line' });
      continue;
    }
    if (args.length === 0) continue;
    yield { name: args[0]!.toLowerCase(), args: args.slice(1), file, line: i + 1 };
  }
}

/** Redis's sdssplitargs: null on unbalanced quotes or a closing quote not followed by a space. */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let p = 0;
  const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
  const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9a-fA-F]$/.test(c);
  for (;;) {
    while (p < line.length && isSpace(line[p])) p++;
    if (p >= line.length) return out;
    let inq = false;
    let insq = false;
    let done = false;
    let current = '';
    while (!done) {
      const c = line[p];
      if (inq) {
        if (c === '\\' && line[p + 1] === 'x' && isHex(line[p + 2]) && isHex(line[p + 3])) {
          current += String.fromCharCode(parseInt(line.slice(p + 2, p + 4), 16));
          p += 3;
        } else if (c === '\\' && p + 1 < line.length) {
          p++;
          const e = line[p]!;
          current += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (p + 1 < line.length && !isSpace(line[p + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          current += c;
        }
      } else if (insq) {
        if (c === '\\' && line[p + 1] === "'") {
          p++;
          current += "'";
        } else if (c === "'") {
          if (p + 1 < line.length && !isSpace(line[p + 1])) return null;
          done = true;
        } else if (c === undefined) {
          return null;
        } else {
          current += c;
        }
      } else if (c === undefined || isSpace(c)) {
        done = true;
      } else if (c === '"') {
        inq = true;
      } else if (c === "'") {
        insq = true;
      } else {
        current += c;
      }
      if (p < line.length) p++;
    }
    out.push(current);
  }
}

/** Quotes one argument so splitArgs reads it back unchanged. */
export function quoteArg(value: string): string {
  if (value.length > 0 && /^[^\s"'\\]+$/.test(value)) return value;
  let out = '"';
  for (const ch of value) {
    const code = ch.charCodeAt(0);
    if (ch === '\\') out += '\\\\';
    else if (ch === '"') out += '\\"';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return out + '"';
}

export interface DirectiveChange {
  name: string;
  /** Value of the last occurrence in the file before the edit (args joined), null if absent. */
  before: string | null;
  after: string;
  action: 'edited' | 'appended' | 'unchanged';
  /** 1-based line in the edited file. */
  line: number;
}

export interface SetDirectivesResult {
  /** The file edited (symlinks resolved). */
  path: string;
  /** Folder holding the copy of the original; null when nothing had to change. */
  backupFolder: string | null;
  changes: DirectiveChange[];
}

/**
 * Sets directives in redis.conf without Redis running, e.g. `{ appendonly: 'no' }` for the safe
 * restore. A string value is one argument (quoted when needed); pass an array for several
 * arguments (`{ save: ['900', '1'] }`).
 *
 * 1. resolves symlinks (the real file is edited, the link stays);
 * 2. when something changes, first copies the original into `<backupRoot>/<ts>-redis-conf/`
 *    with a REASON.json;
 * 3. edits the LAST occurrence of each directive in the file in place (keeping its indentation),
 *    or appends it at the end when it is absent or an `include` line follows that occurrence
 *    (an included file could otherwise override the edit);
 * 4. writes atomically (temp file, fsync, rename) with the original mode, and when running as
 *    root, the original owner (Redis must still be able to CONFIG REWRITE it).
 *
 * Directives inside included files are not edited: appending to the main file wins over them
 * only when the include comes earlier, which `readRedisConf` can confirm afterwards.
 */
export async function setDirectives(
  path: string,
  directives: Record<string, string | readonly string[]>,
  backupRoot: string,
  options: { now?: Date; reason?: string } = {},
): Promise<SetDirectivesResult> {
  const target = await realpath(path).catch((err) => {
    throw storageError(err, 'read redis config', path);
  });
  let original: string;
  let info;
  try {
    original = await readFile(target, 'latin1');
    info = await stat(target);
  } catch (err) {
    throw storageError(err, 'read redis config', target);
  }
  const lines = original.split('\n');
  const eol = /\r\n/.test(original) ? '\r\n' : '\n';
  const parsed = lines.map((raw) => {
    const trimmed = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    if (trimmed === '' || trimmed.startsWith('#')) return null;
    const args = splitArgs(trimmed);
    return args && args.length > 0 ? { name: args[0]!.toLowerCase(), args: args.slice(1) } : null;
  });
  const lastInclude = parsed.reduce((acc, p, i) => (p?.name === 'include' ? i : acc), -1);
  const appended: string[] = [];
  const changes: DirectiveChange[] = [];
  for (const [rawName, rawValue] of Object.entries(directives)) {
    const name = rawName.toLowerCase();
    if (!/^[a-z][a-z0-9-]*$/.test(name) || name === 'include') {
      throw new RedbackError('USAGE', `"${rawName}" is not a redis.conf directive redback can set`);
    }
    const args = typeof rawValue === 'string' ? [rawValue] : [...rawValue];
    const text = `${name} ${args.map((a) => quoteArg(toLatin1(a))).join(' ')}`;
    const after = args.join(' ');
    let index = -1;
    for (let i = parsed.length - 1; i >= 0; i--) {
      if (parsed[i]?.name === name) {
        index = i;
        break;
      }
    }
    const before = index >= 0 ? parsed[index]!.args.join(' ') : null;
    if (index >= 0 && index > lastInclude) {
      const same = parsed[index]!.args.length === args.length && parsed[index]!.args.every((a, k) => a === toLatin1(args[k]!));
      if (same) {
        changes.push({ name, before, after, action: 'unchanged', line: index + 1 });
        continue;
      }
      const raw = lines[index]!;
      const indent = /^[ \t]*/.exec(raw)![0];
      lines[index] = indent + text + (raw.endsWith('\r') ? '\r' : '');
      parsed[index] = { name, args: args.map(toLatin1) };
      changes.push({ name, before, after, action: 'edited', line: index + 1 });
    } else {
      appended.push(text);
      changes.push({ name, before, after, action: 'appended', line: 0 });
    }
  }
  let next = lines.join('\n');
  if (appended.length > 0) {
    if (next.length > 0 && !next.endsWith('\n')) next += eol;
    let n = (next === '' ? 0 : next.split('\n').length - (next.endsWith('\n') ? 1 : 0)) + 1;
    for (const change of changes) if (change.action === 'appended') change.line = n++;
    next += appended.map((l) => l + eol).join('');
  }
  if (next === original) return { path: target, backupFolder: null, changes };

  const backupFolder = await copyAside(backupRoot, 'redis-conf', [target], {
    reason: options.reason ?? 'redis.conf edited by redback',
    file: target,
    changes: changes.filter((c) => c.action !== 'unchanged').map(({ name, before, after }) => ({ name, before, after })),
  }, options.now);
  await writeFileAtomic(target, Buffer.from(next, 'latin1'), info.mode & 0o7777);
  if (typeof process.getuid === 'function' && process.getuid() === 0 && (info.uid !== 0 || info.gid !== 0)) {
    await chown(target, info.uid, info.gid).catch(() => undefined);
  }
  return { path: target, backupFolder, changes };
}

/** New values are given as JS (UTF-16) strings; the file is handled as latin1 bytes. */
function toLatin1(value: string): string {
  return Buffer.from(value, 'utf8').toString('latin1');
}
