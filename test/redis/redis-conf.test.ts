import { chmodSync, lstatSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createController } from '../../agent/control/index.js';
import {
  directiveOccurrences,
  effectiveValue,
  parseRedisConf,
  quoteArg,
  readRedisConf,
  setDirectives,
  splitArgs,
} from '../../agent/redis/redis-conf.js';
import { freePort } from '../helpers/ports.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { configGet } from '../control/control-fixture.js';

describe('redis.conf parsing (Redis rules)', () => {
  const tmp = makeTempDir();
  afterAll(() => tmp.cleanup());

  it('splits like sdssplitargs: double quotes with escapes, single quotes, empty strings', () => {
    expect(splitArgs('save ""')).toEqual(['save', '']);
    expect(splitArgs(`dir "/var/lib/my redis"`)).toEqual(['dir', '/var/lib/my redis']);
    expect(splitArgs(`requirepass "a\\"b\\\\c\\x41\\n"`)).toEqual(['requirepass', 'a"b\\cA\n']);
    expect(splitArgs(`logfile 'it\\'s here'`)).toEqual(['logfile', "it's here"]);
    expect(splitArgs('save 900 1   300 10')).toEqual(['save', '900', '1', '300', '10']);
    expect(splitArgs('dir "unterminated')).toBeNull();
    expect(splitArgs('dir "closed"x')).toBeNull();
    for (const value of ['', 'plain', 'with space', 'q"uote', "s'ingle", 'back\\slash', 'tab\there', 'nl\nx', '#hash']) {
      expect(splitArgs(`k ${quoteArg(value)}`)).toEqual(['k', value]);
    }
  });

  it('reads the last value of each directive, lowercased, skipping comments', () => {
    const conf = parseRedisConf(
      ['# comment', 'AppendOnly yes', '  port 6380', 'appendonly no', '   # indented comment', 'save 900 1', 'save 300 10', 'dir "/data/my redis"', 'bad "quote', ''].join('\n'),
    );
    expect(conf.values.appendonly).toBe('no');
    expect(conf.values.port).toBe('6380');
    expect(conf.values.dir).toBe('/data/my redis');
    expect(effectiveValue(conf, 'SAVE', '')).toBe('300 10');
    expect(directiveOccurrences(conf, 'save').map((e) => e.args.join(' '))).toEqual(['900 1', '300 10']);
    expect(effectiveValue(conf, 'appenddirname', 'appendonlydir')).toBe('appendonlydir');
    expect(effectiveValue(conf, 'appenddirname')).toBeNull();
    expect(conf.errors).toEqual([{ file: '<string>', line: 9, message: 'unbalanced quotes in configuration line' }]);
  });

  it('follows simple includes in place, lists the others', async () => {
    const dir = join(tmp.path, 'include');
    mkdirSync(dir);
    writeFileSync(join(dir, 'common.conf'), 'appendonly yes\nmaxmemory 1gb\n');
    writeFileSync(
      join(dir, 'redis.conf'),
      ['appendonly no', `include ${join(dir, 'common.conf')}`, 'maxmemory 2gb', 'include relative.conf', `include ${join(dir, '*.extra')}`, `include ${join(dir, 'missing.conf')}`].join('\n'),
    );
    const conf = await readRedisConf(join(dir, 'redis.conf'));
    expect(conf.values.appendonly).toBe('yes'); // the include comes later than "appendonly no"
    expect(conf.values.maxmemory).toBe('2gb');
    expect(conf.includes.map((i) => [i.path.replace(dir, '<dir>'), i.followed])).toEqual([
      ['<dir>/common.conf', true],
      ['relative.conf', false],
      ['<dir>/*.extra', false],
      ['<dir>/missing.conf', false],
    ]);
    expect(conf.includes[1]!.reason).toMatch(/relative/);
    expect(conf.includes[2]!.reason).toMatch(/glob/);
    expect(conf.includes[3]!.reason).toMatch(/not found/);
  });
});

describe('setDirectives: edit redis.conf while redis is down', () => {
  const tmp = makeTempDir();
  let n = 0;
  afterAll(() => tmp.cleanup());

  function confFile(text: string): { path: string; backups: string } {
    const dir = join(tmp.path, `case-${++n}`);
    mkdirSync(dir);
    const path = join(dir, 'redis.conf');
    writeFileSync(path, text);
    return { path, backups: join(dir, 'backups') };
  }

  const ORIGINAL = [
    '# Redis configuration',
    'port 6379',
    'appendonly yes',
    '',
    '# AOF',
    '   appendonly    yes',
    'appendfsync everysec',
    'dir /var/lib/redis',
    '',
  ].join('\n');

  it('edits the last occurrence in place and leaves every other byte alone; keeps the original', async () => {
    const { path, backups } = confFile(ORIGINAL);
    chmodSync(path, 0o640);
    const result = await setDirectives(path, { appendonly: 'no' }, backups);
    const after = readFileSync(path, 'utf8');
    expect(after).toBe(ORIGINAL.replace('   appendonly    yes', '   appendonly no'));
    expect(result.changes).toEqual([{ name: 'appendonly', before: 'yes', after: 'no', action: 'edited', line: 6 }]);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    // the original is kept, byte for byte, with a REASON.json
    expect(readFileSync(join(result.backupFolder!, 'redis.conf'), 'utf8')).toBe(ORIGINAL);
    const reason = JSON.parse(readFileSync(join(result.backupFolder!, 'REASON.json'), 'utf8'));
    expect(reason.changes).toEqual([{ name: 'appendonly', before: 'yes', after: 'no' }]);
    expect((await readRedisConf(path)).values.appendonly).toBe('no');
  });

  it('round trip: setting the same values again changes nothing and makes no backup', async () => {
    const { path, backups } = confFile(ORIGINAL);
    const result = await setDirectives(path, { appendonly: 'yes', port: '6379' }, backups);
    expect(result.backupFolder).toBeNull();
    expect(result.changes.map((c) => c.action)).toEqual(['unchanged', 'unchanged']);
    expect(readFileSync(path, 'utf8')).toBe(ORIGINAL);
  });

  it('appends missing directives, quoting values that need it', async () => {
    const { path, backups } = confFile('port 6379'); // no final newline
    const result = await setDirectives(path, { dir: '/data/my redis', requirepass: 'p"w\\d', save: ['900', '1'], 'appendfilename': '' }, backups);
    expect(readFileSync(path, 'utf8')).toBe('port 6379\ndir "/data/my redis"\nrequirepass "p\\"w\\\\d"\nsave 900 1\nappendfilename ""\n');
    expect(result.changes.map((c) => [c.name, c.action, c.line])).toEqual([
      ['dir', 'appended', 2],
      ['requirepass', 'appended', 3],
      ['save', 'appended', 4],
      ['appendfilename', 'appended', 5],
    ]);
    const conf = await readRedisConf(path);
    expect(conf.values.dir).toBe('/data/my redis');
    expect(conf.values.requirepass).toBe('p"w\\d');
    expect(conf.values.save).toBe('900 1');
    expect(conf.values.appendfilename).toBe('');
  });

  it('keeps CRLF line endings', async () => {
    const { path, backups } = confFile('port 6379\r\nappendonly yes\r\n');
    await setDirectives(path, { appendonly: 'no', maxmemory: '1gb' }, backups);
    expect(readFileSync(path, 'utf8')).toBe('port 6379\r\nappendonly no\r\nmaxmemory 1gb\r\n');
  });

  it('appends instead of editing when an include follows the last occurrence', async () => {
    const { path, backups } = confFile(`appendonly yes\ninclude ${join(tmp.path, 'late.conf')}\n`);
    writeFileSync(join(tmp.path, 'late.conf'), 'appendonly yes\n');
    const result = await setDirectives(path, { appendonly: 'no' }, backups);
    expect(result.changes[0]!.action).toBe('appended');
    expect((await readRedisConf(path)).values.appendonly).toBe('no');
  });

  it('edits the target of a symlink, keeping the link', async () => {
    const { path, backups } = confFile(ORIGINAL);
    const link = join(tmp.path, `link-${n}.conf`);
    symlinkSync(path, link);
    const result = await setDirectives(link, { appendonly: 'no' }, backups);
    expect(result.path).toBe(path);
    expect(readFileSync(link, 'utf8')).toContain('   appendonly no');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
  });

  it('redis-server reads the edited file the way we wrote it', async () => {
    const port = await freePort();
    const dir = join(tmp.path, 'with space');
    mkdirSync(dir);
    const { path, backups } = confFile(['port 1', 'bind 127.0.0.1', 'save 900 1', 'appendonly yes', 'daemonize no', ''].join('\n'));
    await setDirectives(path, { port: String(port), dir, save: '', appendonly: 'no', requirepass: 'se cr"et' }, backups);
    const controller = createController({
      instance: { name: 'conf', url: `redis://:${encodeURIComponent('se cr"et')}@127.0.0.1:${port}`, control: { type: 'process', binary: 'redis-server' } },
      configFile: path,
      host: '127.0.0.1',
      port,
      stateDir: join(tmp.path, 'state'),
      timeouts: { startMs: 15_000, stopMs: 15_000 },
    });
    await controller.start();
    try {
      expect(await configGet(port, 'dir', 'se cr"et')).toBe(dir);
      expect(await configGet(port, 'save', 'se cr"et')).toBe('');
      expect(await configGet(port, 'appendonly', 'se cr"et')).toBe('no');
    } finally {
      await controller.stop();
    }
  });
});
