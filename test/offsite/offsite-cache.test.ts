import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createAgentContext } from '../../agent/agent-context.js';
import { offsiteCachePath, readOffsiteCache, writeOffsiteCache } from '../../agent/offsite/offsite-config.js';
import { loadAgentConfig } from '../../shared/config/agent-config.js';
import { silentLogger } from '../../shared/log/logger.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { runCli } from '../helpers/cli.js';
import { makeTempDir } from '../helpers/temp-dir.js';

/** A leftover object of an (incomplete) set, so a listing shows which target it read. */
function plantIncompleteSet(root: string, setId: string): void {
  const dir = join(root, 'p', 'host-a', 'main', 'sets', setId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'rdb.zst'), 'x');
}

describe('offsite config handed over by the coordinator: cached in <backupDir>/.agent/offsite.json', () => {
  const tmp = makeTempDir('redback-offsite-cache-');
  afterAll(() => tmp.cleanup());

  it('is written 0600, used when the agent config has no offsite block, and the agent config block wins', async () => {
    const fromCoordinator = join(tmp.path, 'coord-target');
    const fromAgent = join(tmp.path, 'agent-target');
    plantIncompleteSet(fromCoordinator, '20261201T010000Z-aaaaaa');
    plantIncompleteSet(fromAgent, '20261202T010000Z-bbbbbb');
    const base = { agentId: 'host-a', backupDir: join(tmp.path, 'backups'), instances: [{ name: 'main', url: 'redis://127.0.0.1:1' }] };
    const plain = writeAgentConfig(tmp.path, base, 'plain.yaml');
    const own = writeAgentConfig(tmp.path, { ...base, offsite: { type: 'local', path: fromAgent, prefix: 'p' } }, 'own.yaml');

    const none = await runCli(['agent', 'offsite-list', '--config', plain]);
    expect(none.code).toBe(4);
    expect(none.stderr).toMatch(/no offsite target is configured/);

    const ctx = createAgentContext(loadAgentConfig(plain), silentLogger);
    await expect(writeOffsiteCache(ctx, { type: 'nfs' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await writeOffsiteCache(ctx, { type: 'local', path: fromCoordinator, prefix: 'p' });
    expect(statSync(offsiteCachePath(ctx)).mode & 0o777).toBe(0o600);
    expect((await readOffsiteCache(ctx))?.prefix).toBe('p');

    const cached = await runCli(['agent', 'offsite-list', '--config', plain, '--json']);
    expect(cached.code, cached.stderr).toBe(0);
    expect(JSON.parse(cached.stdout).incomplete.map((s: { setId: string }) => s.setId)).toEqual(['20261201T010000Z-aaaaaa']);

    const wins = await runCli(['agent', 'offsite-list', '--config', own, '--json']);
    expect(wins.code, wins.stderr).toBe(0);
    expect(JSON.parse(wins.stdout).incomplete.map((s: { setId: string }) => s.setId)).toEqual(['20261202T010000Z-bbbbbb']);
  }, 240_000);
});
