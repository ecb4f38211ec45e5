import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPolicy } from '../../agent/policy/apply-policy.js';
import { connectRedis, type ConnectedRedis } from '../../agent/redis/redis-client.js';
import { RedbackError } from '../../shared/errors/index.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';
import { fillAllTypes } from '../helpers/fill-redis.js';

const SETTINGS = ['save', 'appendonly', 'appendfsync', 'aof-timestamp-enabled', 'aof-use-rdb-preamble', 'aof-load-truncated'];

async function settingsOf(redis: ConnectedRedis): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const key of SETTINGS) out[key] = ((await redis.call('CONFIG', 'GET', key)) as string[])[1]!;
  return out;
}

describe('applyPolicy against a real redis-server', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  let server: TestRedisServer | null = null;
  let redis: ConnectedRedis | null = null;

  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(async () => {
    await redis?.close();
    await server?.stop();
    redis = null;
    server = null;
    tmp.cleanup();
  });

  async function start(options: { noConfigFile?: boolean } = {}): Promise<ConnectedRedis> {
    server = await TestRedisServer.start({ dir: join(tmp.path, 'redis'), appendonly: false, appendfsync: 'everysec', extraConfig: ['enable-debug-command local'], ...options });
    await fillAllTypes(server.client(), { perType: 20, seed: 'policy' });
    redis = await connectRedis({ name: 'main', url: server.url });
    return redis;
  }

  const policy = { save: '3600 1 300 100', appendonly: 'yes', appendfsync: 'always', 'aof-timestamp-enabled': 'yes', 'aof-use-rdb-preamble': 'yes' };

  it('dry run lists the changes in a safe order and changes nothing', async () => {
    const r = await start();
    const before = await settingsOf(r);
    const conf = readFileSync(server!.confPath, 'utf8');
    const result = await applyPolicy(r, 'main', policy, { dryRun: true });
    expect(result.dryRun).toBe(true);
    expect(result.changes.map((c) => [c.key, c.before, c.want])).toEqual([
      ['save', '', '3600 1 300 100'],
      ['appendfsync', 'everysec', 'always'],
      ['aof-timestamp-enabled', 'no', 'yes'],
      ['appendonly', 'no', 'yes'],
    ]);
    expect(result.unchanged).toEqual(['aof-use-rdb-preamble']);
    expect(result.warnings.join('\n')).toMatch(/appendonly yes: Redis rewrites the AOF/);
    expect(result.persisted).toBeNull();
    expect(await settingsOf(r)).toEqual(before);
    expect(readFileSync(server!.confPath, 'utf8')).toBe(conf);
  });

  it('applies: CONFIG SET each, waits for the AOF rewrite, rewrites redis.conf, reads back', async () => {
    const r = await start();
    const digest = await r.call('DEBUG', 'DIGEST');
    const result = await applyPolicy(r, 'main', policy, { dryRun: false, pollMs: 20 });
    expect(result.persisted).toBe(true);
    expect(result.changes.map((c) => [c.key, c.before, c.after])).toEqual([
      ['save', '', '3600 1 300 100'],
      ['appendfsync', 'everysec', 'always'],
      ['aof-timestamp-enabled', 'no', 'yes'],
      ['appendonly', 'no', 'yes'],
    ]);
    expect(result.aofRewriteMs).not.toBeNull();
    const info = (await r.call('INFO', 'persistence')) as string;
    expect(info).toMatch(/aof_enabled:1/);
    expect(info).toMatch(/aof_rewrite_in_progress:0/);
    expect(info).toMatch(/aof_last_bgrewrite_status:ok/);
    // the AOF the rewrite wrote is there, and redis.conf says the same as the running server
    expect(existsSync(join(server!.dir, 'appendonlydir'))).toBe(true);
    const conf = readFileSync(server!.confPath, 'utf8');
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^appendfsync always$/m);
    expect(conf).toMatch(/^aof-timestamp-enabled yes$/m);
    expect(conf).toMatch(/^save 3600 1$/m); // Redis writes one line per rule
    expect(conf).toMatch(/^save 300 100$/m);
    // a restart from the rewritten config and the new AOF loads every key
    await r.close();
    await server!.stop();
    await server!.startProcess();
    redis = await connectRedis({ name: 'main', url: server!.url });
    expect(await redis.call('DEBUG', 'DIGEST')).toBe(digest);
    expect((await settingsOf(redis)).appendonly).toBe('yes');
    // applying again changes nothing
    const again = await applyPolicy(redis, 'main', policy, { dryRun: false });
    expect(again.changes).toEqual([]);
    expect(again.persisted).toBeNull();
  });

  it('turning AOF off says the AOF will no longer be written', async () => {
    const r = await start();
    await applyPolicy(r, 'main', { appendonly: 'yes' }, { dryRun: false, pollMs: 20 });
    const result = await applyPolicy(r, 'main', { appendonly: 'no', save: '900 1' }, { dryRun: false });
    expect(result.changes.map((c) => c.key)).toEqual(['appendonly', 'save']);
    expect(result.warnings.join('\n')).toMatch(/the AOF will no longer be written/);
    expect(readFileSync(server!.confPath, 'utf8')).toMatch(/^appendonly no$/m);
  });

  it('a setting the server does not know: a clear error, nothing changed', async () => {
    const r = await start();
    const before = await settingsOf(r);
    const conf = readFileSync(server!.confPath, 'utf8');
    const err = await applyPolicy(r, 'main', { ...policy, 'aof-load-corrupt-tail-max-size': '1024' }, { dryRun: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedbackError);
    expect((err as RedbackError).code).toBe('POLICY_UNSUPPORTED');
    expect((err as RedbackError).message).toMatch(/redis main \(7\.[\d.]+\) does not know "aof-load-corrupt-tail-max-size"; nothing was changed/);
    expect((err as RedbackError).hint).toMatch(/remove the setting from the policy/);
    expect(await settingsOf(r)).toEqual(before);
    expect(readFileSync(server!.confPath, 'utf8')).toBe(conf);
  });

  it('a value the server refuses midway: the settings already set are put back', async () => {
    const r = await start();
    const before = await settingsOf(r);
    const err = await applyPolicy(r, 'main', { save: '900 1', appendfsync: 'always', 'aof-load-truncated': 'maybe' }, { dryRun: false }).catch((e: unknown) => e);
    expect((err as RedbackError).code).toBe('POLICY_UNSUPPORTED');
    expect((err as RedbackError).message).toMatch(/CONFIG SET aof-load-truncated maybe: .*put back save, appendfsync: nothing was changed/);
    expect(await settingsOf(r)).toEqual(before);
  });

  it('cancelled before it sets anything: CANCELLED, nothing changed', async () => {
    const r = await start();
    const before = await settingsOf(r);
    const controller = new AbortController();
    controller.abort();
    const err = await applyPolicy(r, 'main', policy, { dryRun: false, signal: controller.signal }).catch((e: unknown) => e);
    expect((err as RedbackError).code).toBe('CANCELLED');
    expect((err as RedbackError).message).toMatch(/policy apply on main cancelled; nothing was changed/);
    expect(await settingsOf(r)).toEqual(before);
  });

  it('without a config file: the change is made and reported as not persisted', async () => {
    const r = await start({ noConfigFile: true });
    const result = await applyPolicy(r, 'main', { appendfsync: 'no' }, { dryRun: false });
    expect(result.persisted).toBe(false);
    expect(result.notPersistedReason).toMatch(/without a config file/);
    expect(result.changes[0]!.after).toBe('no');
  });
});
