import { existsSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aofManifestPath, findAofManifest, lastFile, parseAofManifest, readAofManifest } from '../../agent/aof/aof-manifest.js';
import { checkAof, fixAof, truncateToTimestamp } from '../../agent/aof/check-aof.js';
import { RedbackError } from '../../shared/errors/index.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { buildMultiPartAof, copyAofDir } from './aof-fixture.js';

describe('AOF manifest', () => {
  it('parses base, incr and history entries, quoted names and comments', () => {
    const m = parseAofManifest(
      [
        '# a comment',
        'file appendonly.aof.1.base.rdb seq 1 type h',
        'file appendonly.aof.2.base.rdb seq 2 type b',
        'file "my file.aof.2.incr.aof" seq 2 type i',
        'type i seq 3 file appendonly.aof.3.incr.aof',
        '',
      ].join('\n'),
      '/data/appendonlydir/appendonly.aof.manifest',
    );
    expect(m.dir).toBe('/data/appendonlydir');
    expect(m.base).toEqual({ name: 'appendonly.aof.2.base.rdb', seq: 2, type: 'b' });
    expect(m.incrs.map((e) => e.name)).toEqual(['my file.aof.2.incr.aof', 'appendonly.aof.3.incr.aof']);
    expect(m.history.map((e) => e.name)).toEqual(['appendonly.aof.1.base.rdb']);
    expect(lastFile(m)?.name).toBe('appendonly.aof.3.incr.aof');
  });

  it('rejects what Redis would reject, naming the line', () => {
    expect(() => parseAofManifest('file a seq 1 type b\ngarbage line here\n', '/x.manifest')).toThrow(/line 2/);
    expect(() => parseAofManifest('file a seq 1 type z\n', '/x.manifest')).toThrow(/bad type/);
    expect(() => parseAofManifest('file a seq 1 type b\nfile b seq 2 type b\n', '/x.manifest')).toThrow(/more than one base/);
    try {
      parseAofManifest('file "unterminated seq 1 type b\n', '/x.manifest');
      expect.unreachable();
    } catch (err) {
      expect((err as RedbackError).code).toBe('AOF_CORRUPT');
    }
  });

  it('builds and finds the manifest path', async () => {
    expect(aofManifestPath('/var/lib/redis')).toBe('/var/lib/redis/appendonlydir/appendonly.aof.manifest');
    expect(aofManifestPath('/d', 'aofs', 'x.aof')).toBe('/d/aofs/x.aof.manifest');
    expect(await findAofManifest('/nonexistent-dir')).toBeNull();
  });
});

describe('redis-check-aof on a real multi-part AOF', () => {
  const tmp = makeTempDir();
  const fixture = join(tmp.path, 'fixture');
  let keys: string[] = [];
  let n = 0;
  const fresh = (): { dir: string; manifest: string } => {
    const dir = join(tmp.path, `case-${++n}`);
    return { dir, manifest: copyAofDir(fixture, dir) };
  };

  beforeAll(async () => {
    ({ keys } = await buildMultiPartAof(fixture));
  });

  afterAll(() => tmp.cleanup());

  it('the fixture is base + 2 incr files and checks ok', async () => {
    const { manifest } = fresh();
    const m = await readAofManifest(manifest);
    expect(m.base?.name).toMatch(/\.base\.rdb$/);
    expect(m.incrs).toHaveLength(2);
    const result = await checkAof(manifest);
    expect(result.status).toBe('ok');
    expect(result.ok).toBe(true);
    expect(result.output).toContain('All AOF files and manifest are valid');
    expect(result.analyzed.map((a) => a.file)).toEqual([m.base!.name, ...m.incrs.map((e) => e.name)]);
    expect(result.message).toMatch(/valid \(base .* \+ 2 incr files\)/);
  });

  it('a torn tail of the last file: truncated-last-file, fixable, with offset and bytes to cut', async () => {
    const { manifest } = fresh();
    const m = await readAofManifest(manifest);
    const last = join(m.dir, lastFile(m)!.name);
    const size = statSync(last).size;
    truncateSync(last, size - 5);
    const result = await checkAof(manifest);
    expect(result.status).toBe('truncated-last-file');
    expect(result.fixable).toBe(true);
    expect(result.damage).toMatchObject({ file: lastFile(m)!.name, role: 'incr', format: 'resp', size: size - 5 });
    expect(result.damage!.detail).toMatch(/^Expected to read \d+ bytes, got \d+ bytes$/);
    expect(result.damage!.offset! + result.damage!.bytesToCut!).toBe(size - 5);
    expect(result.output).toMatch(/is not valid\. Use the --fix option/);
  });

  it('fixAof keeps a copy of the original, truncates, re-checks; redis loads all but the torn command', async () => {
    const { dir, manifest } = fresh();
    const m = await readAofManifest(manifest);
    const last = join(m.dir, lastFile(m)!.name);
    truncateSync(last, statSync(last).size - 5);
    const damaged = readFileSync(last);
    const quarantine = join(tmp.path, 'quarantine');
    const fixed = await fixAof(manifest, quarantine);
    expect(fixed.fixedFile).toBe(lastFile(m)!.name);
    expect(fixed.bytesBefore).toBe(damaged.length);
    expect(fixed.bytesCut).toBeGreaterThan(0);
    expect(fixed.bytesAfter).toBe(statSync(last).size);
    expect(fixed.after.status).toBe('ok');
    expect(fixed.output).toMatch(/Continue\? \[y\/N\]: Successfully truncated AOF/);
    // the untouched original is in the quarantine folder, with a REASON.json
    expect(readFileSync(join(fixed.backupFolder!, lastFile(m)!.name)).equals(damaged)).toBe(true);
    const reason = JSON.parse(readFileSync(join(fixed.backupFolder!, 'REASON.json'), 'utf8'));
    expect(reason.files[0]).toEqual({ source: last, bytes: damaged.length });
    expect(reason.bytesToCut).toBe(fixed.bytesCut);
    // the repaired AOF loads: every key but the last (its SET was torn)
    const redis = await TestRedisServer.start({ dir, appendonly: true });
    try {
      expect(await redis.client().dbsize()).toBe(keys.length - 1);
      expect(await redis.client().exists(keys[keys.length - 2]!)).toBe(1);
    } finally {
      await redis.stop();
    }
  });

  it('fixAof on a valid AOF changes nothing', async () => {
    const { manifest } = fresh();
    const quarantine = join(tmp.path, 'q-valid');
    const result = await fixAof(manifest, quarantine);
    expect(result.fixedFile).toBeNull();
    expect(result.backupFolder).toBeNull();
    expect(existsSync(quarantine)).toBe(false);
  });

  it('garbage in the middle of the last file: fixable, but --fix would cut every later command', async () => {
    const { manifest } = fresh();
    const m = await readAofManifest(manifest);
    const last = join(m.dir, lastFile(m)!.name);
    const bytes = readFileSync(last);
    const at = bytes.indexOf('value-incr2-1') + 'value-incr2-1'.length; // the \r\n after a bulk string
    bytes[at] = 'X'.charCodeAt(0);
    writeFileSync(last, bytes);
    const result = await checkAof(manifest);
    expect(result.status).toBe('truncated-last-file');
    expect(result.damage!.detail).toBe('Expected \\r\\n, got: 580a');
    expect(result.damage!.bytesToCut).toBeGreaterThan(bytes.length / 2);
  });

  it('damage in an earlier incr file: corrupt-earlier-file; fixAof refuses and changes nothing', async () => {
    const { manifest } = fresh();
    const m = await readAofManifest(manifest);
    const first = join(m.dir, m.incrs[0]!.name);
    truncateSync(first, statSync(first).size - 5);
    const before = readdirSync(m.dir).map((f) => [f, readFileSync(join(m.dir, f))] as const);
    const result = await checkAof(manifest);
    expect(result.status).toBe('corrupt-earlier-file');
    expect(result.fixable).toBe(false);
    expect(result.damage).toMatchObject({ file: m.incrs[0]!.name, role: 'incr', bytesToCut: null });
    const quarantine = join(tmp.path, 'q-earlier');
    const err = (await fixAof(manifest, quarantine).catch((e: unknown) => e)) as RedbackError;
    expect(err).toBeInstanceOf(RedbackError);
    expect(err.code).toBe('AOF_CORRUPT');
    expect(err.message).toContain(m.incrs[0]!.name);
    expect(err.hint).toContain(m.incrs[0]!.name);
    expect(err.hint).toMatch(/restore from an RDB/);
    for (const [f, content] of before) expect(readFileSync(join(m.dir, f)).equals(content)).toBe(true);
    expect(existsSync(quarantine)).toBe(false);
  });

  it('a damaged RDB base: corrupt-earlier-file with the RDB error', async () => {
    const { manifest } = fresh();
    const m = await readAofManifest(manifest);
    const base = join(m.dir, m.base!.name);
    const bytes = readFileSync(base);
    bytes[bytes.length - 20] ^= 0xff;
    writeFileSync(base, bytes);
    const result = await checkAof(manifest);
    expect(result.status).toBe('corrupt-earlier-file');
    expect(result.damage).toMatchObject({ file: m.base!.name, role: 'base', format: 'rdb' });
    expect(result.damage!.detail).toMatch(/RDB CRC error|Unexpected EOF|Invalid|wrong/i);
    expect(result.output).toContain('RDB preamble of AOF file is not sane');
    await expect(fixAof(manifest, join(tmp.path, 'q-base'))).rejects.toMatchObject({ code: 'AOF_CORRUPT' });
  });

  it('a deleted incr file: missing-files', async () => {
    const { manifest } = fresh();
    const m = await readAofManifest(manifest);
    rmSync(join(m.dir, m.incrs[1]!.name));
    const result = await checkAof(manifest);
    expect(result.status).toBe('missing-files');
    expect(result.missingFiles).toEqual([join(m.dir, m.incrs[1]!.name)]);
    expect(result.output).toMatch(/Cannot open file .*: No such file or directory/);
    await expect(fixAof(manifest, join(tmp.path, 'q-missing'))).rejects.toMatchObject({ code: 'AOF_CORRUPT' });
  });

  it('an empty manifest: missing-files, although redis-check-aof itself calls it valid', async () => {
    const { manifest } = fresh();
    writeFileSync(manifest, '');
    const result = await checkAof(manifest);
    expect(result.status).toBe('missing-files');
    expect(result.exitCode).toBe(0);
    expect(result.output).toContain('Start checking Old-Style AOF');
  });

  it('no manifest at all: missing-files without running the tool', async () => {
    const result = await checkAof(join(tmp.path, 'nowhere', 'appendonly.aof.manifest'));
    expect(result.status).toBe('missing-files');
    expect(result.output).toBe('');
  });

  it('a missing redis-check-aof binary is an error, not a result', async () => {
    const { manifest } = fresh();
    await expect(checkAof(manifest, { binary: join(tmp.path, 'no-such-check-aof') })).rejects.toMatchObject({ code: 'PREFLIGHT_FAILED' });
  });
});

describe('truncateToTimestamp (aof-timestamp-enabled)', () => {
  const tmp = makeTempDir();
  let manifest: string;
  let cut = 0;

  beforeAll(async () => {
    const dir = join(tmp.path, 'ts');
    const redis = await TestRedisServer.start({ dir, appendonly: true, appendfsync: 'always', extraConfig: ['aof-timestamp-enabled yes'] });
    try {
      const client = redis.client();
      const second = async (): Promise<void> => {
        const now = Date.now();
        await new Promise((r) => setTimeout(r, 1000 - (now % 1000) + 50)); // into the next second
      };
      await second();
      await client.set('a', '1');
      await second();
      await client.set('b', '2');
      cut = Math.floor(Date.now() / 1000);
      await second();
      await client.set('c', '3');
    } finally {
      await redis.stop();
    }
    manifest = join(dir, 'appendonlydir', 'appendonly.aof.manifest');
  });

  afterAll(() => tmp.cleanup());

  it('refuses a point before the last file (nothing changed)', async () => {
    const m = await readAofManifest(manifest);
    const last = join(m.dir, lastFile(m)!.name);
    const before = readFileSync(last);
    const err = (await truncateToTimestamp(manifest, cut - 3600, join(tmp.path, 'q')).catch((e: unknown) => e)) as RedbackError;
    expect(err.code).toBe('PREFLIGHT_FAILED');
    expect(err.message).toMatch(/has nothing before timestamp/);
    expect(readFileSync(last).equals(before)).toBe(true);
  });

  it('cuts the last file after the chosen second, keeping a copy', async () => {
    const m = await readAofManifest(manifest);
    const last = join(m.dir, lastFile(m)!.name);
    const before = readFileSync(last);
    expect(before.toString()).toContain('#TS:');
    const result = await truncateToTimestamp(manifest, cut, join(tmp.path, 'q'));
    expect(result.truncatedFile).toBe(lastFile(m)!.name);
    expect(result.bytesCut).toBeGreaterThan(0);
    const after = readFileSync(last, 'latin1');
    expect(after).toMatch(/\r\nb\r\n/);
    expect(after).not.toMatch(/\r\nc\r\n/);
    expect(readFileSync(join(result.backupFolder, lastFile(m)!.name)).equals(before)).toBe(true);
    expect((await checkAof(manifest)).status).toBe('ok');
  });
});
