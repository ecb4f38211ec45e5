import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** Files under a directory tree, relative names. */
function tree(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? tree(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
  );
}

describe('cleanup after killed runs, fail-fast on garbage, quarantine cap (real redis-server, real CLI)', () => {
  const tmp = makeTempDir();
  let redis: TestRedisServer;
  let config: string;
  const backupDir = join(tmp.path, 'backups');
  const hourly = join(backupDir, 'main', 'hourly');
  const quarantine = join(backupDir, 'main', 'quarantine');

  beforeAll(async () => {
    redis = await TestRedisServer.start({ dir: join(tmp.path, 'redis') });
    await redis.client().set('k', 'v');
    config = writeAgentConfig(tmp.path, {
      backupDir,
      snapshot: { maxAge: '1h' },
      quarantine: { maxBytes: 300 * 1024 },
      instances: [{ name: 'main', url: redis.url }],
    });
  });

  afterAll(async () => {
    await redis.stop();
    tmp.cleanup();
  });

  for (const command of ['prune', 'verify'] as const) {
    it(`agent ${command} (a one-shot command) removes temp and .del- files and quarantines an orphan RDB, under the lock`, async () => {
      const first = await runCliJson(['agent', 'snapshot', '--config', config, '--instance', 'main', '--tier', 'hourly', '--json']);
      expect(first.code, first.stderr).toBe(0);
      mkdirSync(hourly, { recursive: true });
      writeFileSync(join(hourly, '.tmp-20260101T000000Z-aaaaaa.rdb'), Buffer.alloc(200_000, 1));
      writeFileSync(join(hourly, '.del-20260101T000000Z-bbbbbb.rdb'), Buffer.alloc(1000, 2));
      writeFileSync(join(hourly, '20260101T000000Z-cccccc.rdb'), readFileSync(first.json.path));
      const r = await runCli(['agent', command, '--config', config]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const left = readdirSync(hourly);
      expect(left.filter((f) => f.startsWith('.tmp-') || f.startsWith('.del-'))).toEqual([]);
      expect(left).not.toContain('20260101T000000Z-cccccc.rdb');
      expect(tree(quarantine).some((f) => f.endsWith('/20260101T000000Z-cccccc.rdb'))).toBe(true);
      expect(existsSync(first.json.path)).toBe(true);
    });
  }

  it('a dump.rdb that is not an RDB at all: refused before any byte is copied; quarantine keeps a 64 KiB sample and a note, not the file', async () => {
    const dump = join(redis.dir, 'dump.rdb');
    const pristine = readFileSync(dump);
    writeFileSync(dump, Buffer.alloc(3 * 1024 * 1024, 0x41)); // 3 MiB of "AAAA…"
    try {
      const before = new Set(readdirSync(quarantine));
      const r = await runCli(['agent', 'snapshot', '--config', config, '--instance', 'main', '--tier', 'hourly', '--mode', 'existing']);
      expect(r.code).toBe(8);
      expect(r.stderr).toMatch(/is not an RDB file/);
      const added = readdirSync(quarantine).filter((f) => !before.has(f));
      expect(added).toHaveLength(1);
      const folder = join(quarantine, added[0]!);
      const files = readdirSync(folder).sort();
      expect(files).toEqual(['REASON.json', 'dump.rdb.sample']);
      expect(statSync(join(folder, 'dump.rdb.sample')).size).toBe(64 * 1024);
      expect(JSON.parse(readFileSync(join(folder, 'REASON.json'), 'utf8')).note).toMatch(/not an RDB: only the first 65536 bytes/);
      expect(readdirSync(hourly).filter((f) => f.startsWith('.tmp-'))).toEqual([]);
    } finally {
      writeFileSync(dump, pristine);
    }
  });

  it('quarantine stays under quarantine.maxBytes (oldest entries removed) and agent list shows its usage', async () => {
    const dump = join(redis.dir, 'dump.rdb');
    const pristine = readFileSync(dump);
    writeFileSync(dump, Buffer.alloc(1024 * 1024, 0x42));
    try {
      for (let i = 0; i < 6; i++) {
        const r = await runCli(['agent', 'snapshot', '--config', config, '--instance', 'main', '--mode', 'existing']);
        expect(r.code).toBe(8);
      }
    } finally {
      writeFileSync(dump, pristine);
    }
    const list = await runCliJson(['agent', 'list', '--config', config, '--json']);
    expect(list.json.quarantine.maxBytes).toBe(300 * 1024);
    expect(list.json.quarantine.bytes).toBeLessThanOrEqual(300 * 1024);
    // 2 orphans + 7 samples of 64 KiB were quarantined in this file; the oldest beyond the cap went.
    expect(list.json.quarantine.entries).toBeGreaterThan(0);
    expect(list.json.quarantine.entries).toBeLessThan(9);
    expect(tree(quarantine).some((f) => f.endsWith('.sample'))).toBe(true);
    const text = await runCli(['agent', 'list', '--config', config]);
    expect(text.stdout).toMatch(/quarantine: \d+ entr(y|ies), .* of 300(\.0)? KiB/);
  });
});
