import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { offsiteDrill } from './offsite-fixture.js';

/**
 * An upload killed (SIGKILL, at a failpoint) after its objects are stored but before its manifest: the set is
 * incomplete, never listed as restorable nor offered by recover; the next upload succeeds and
 * removes it, and the AOF link directory the dead run left in Redis's dir.
 */
describe('offsite upload killed mid-way', () => {
  const tmp = makeTempDir('redback-offsite-kill-');
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
    tmp.cleanup();
  });

  it('leaves no restorable set; the next upload succeeds and cleans up', async () => {
    const drill = await offsiteDrill(join(tmp.path, 'k'));
    cleanups.push(() => drill.cleanup());
    await drill.fill('k');

    // the agent dies (SIGKILL) after every object is stored, before the manifest
    const killed = await runCli(['agent', 'upload', '--config', drill.configPath, '--instance', drill.name], { env: { REDBACK_FAILPOINT: 'offsite:before-manifest' } });
    expect(killed.code, killed.stderr).toBe(128);

    const sets = join(drill.offsiteDir, 'redback', 'host-a', 'drill', 'sets');
    const dead = readdirSync(sets);
    expect(dead).toHaveLength(1);
    expect(readdirSync(join(sets, dead[0]!))).toContain('rdb.zst');
    expect(existsSync(join(sets, dead[0]!, 'manifest.json'))).toBe(false);
    expect(readdirSync(drill.redisDir).filter((f) => f.startsWith('.redback-offsite-'))).toHaveLength(1);

    const list = await drill.cli(['offsite-list', '--json']);
    expect(list.code, list.stderr).toBe(0);
    const listed = JSON.parse(list.stdout);
    expect(listed.sets).toEqual([]);
    expect(listed.incomplete.map((s: { setId: string }) => s.setId)).toEqual(dead);
    const human = await drill.cli(['offsite-list']);
    expect(human.stdout).toMatch(/no complete offsite sets/);
    expect(human.stderr).toMatch(/incomplete set .* not restorable/);

    // the recover diagnosis never offers it
    const dry = await drill.cli(['recover', '--dry-run', '--json']);
    const diagnosis = JSON.parse(dry.stdout).diagnosis;
    expect(diagnosis.offsite).toMatchObject({ status: 'ok', sets: 0, incomplete: 1 });
    expect(diagnosis.candidates.filter((c: { kind: string }) => c.kind === 'offsite')).toEqual([]);
    const forced = await drill.cli(['recover', '--dry-run', '--backup', dead[0]!]);
    expect(forced.code).toBe(4);

    // the next upload succeeds and removes the dead set and its link directory
    const up = await drill.cli(['upload', '--json']);
    expect(up.code, up.stderr).toBe(0);
    const m = JSON.parse(up.stdout);
    expect(m.cleanedIncomplete).toEqual(dead);
    // nothing of the dead set is left (a directory target may keep empty directories)
    const deadDir = join(sets, dead[0]!);
    const leftFiles = existsSync(deadDir) ? readdirSync(deadDir, { recursive: true }).map(String).filter((f) => statSync(join(deadDir, f)).isFile()) : [];
    expect(leftFiles).toEqual([]);
    expect(readdirSync(drill.redisDir).filter((f) => f.startsWith('.redback-offsite-'))).toEqual([]);
    const after = JSON.parse((await drill.cli(['offsite-list', '--json'])).stdout);
    expect(after.sets.map((s: { setId: string }) => s.setId)).toEqual([m.setId]);
    expect(after.incomplete).toEqual([]);
  }, 240_000);
});
