import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliJson } from '../helpers/cli.js';
import { TestFleet } from '../helpers/fleet-fixture.js';
import { TestS3Server } from '../helpers/s3-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

const run = promisify(execFile);
const KEY_ENV = 'REDBACK_TEST_OFFSITE_KEY';

interface SetJson {
  setId: string;
  state: string;
  encrypted: boolean;
  objects: Array<{ key: string; kind: string; plainSha256: string; storedSha256: string }>;
}

/**
 * The same flow against a real S3 server (s3rver) with client-side encryption, checked with an
 * independent client (the aws CLI): agent -> S3 upload, the coordinator reading S3 for verify and
 * rebuild. The operator key is in the environment of both the agent and the coordinator.
 */
describe('offsite sets on S3 (s3rver), encrypted, driven by the coordinator', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  let s3: TestS3Server;
  const aws = async (...args: string[]) => (await run('aws', ['--endpoint-url', s3.endpoint, 's3', ...args], { env: s3.awsEnv() })).stdout;
  const sets = async (): Promise<SetJson[]> => (await runCliJson<{ sets: SetJson[] }>(['offsite', 'list', '--json'], { env: fleet.env })).json.sets;

  beforeAll(async () => {
    process.env[KEY_ENV] = 'ab'.repeat(32); // inherited by the coordinator and agent processes
    s3 = await TestS3Server.start();
    const { bucket, endpoint, region, forcePathStyle, credentials, checksumMode } = s3.targetOptions();
    await fleet.writeCoordinatorConfig({
      offsite: {
        type: 's3',
        bucket,
        endpoint,
        region,
        forcePathStyle,
        // In the coordinator's config here for the test; production prefers each host's AWS chain.
        accessKeyId: credentials!.accessKeyId,
        secretAccessKey: credentials!.secretAccessKey,
        checksumMode,
        prefix: 'prod',
        encryption: { keyEnv: KEY_ENV },
        schedule: '0 2 1 1 *',
        catchUpAfter: null,
        pruneAfterUpload: false,
      },
    });
    await fleet.startCoordinator();
    await fleet.startAgent(await fleet.addAgent('agent-1'));
  }, 120_000);

  afterAll(async () => {
    await fleet.stop();
    await s3?.stop();
    delete process.env[KEY_ENV];
    tmp.cleanup();
  }, 150_000);

  it('`redback upload --wait` puts a complete encrypted set in the bucket; `aws s3 ls` sees every object', async () => {
    const r = await runCli(['upload', '--instance', 'main', '--wait'], { env: fleet.env });
    expect(r.stderr).toMatch(/succeeded/);
    expect(r.code).toBe(0);
    const [set] = await sets();
    expect(set).toMatchObject({ state: 'complete', encrypted: true });
    const listed = (await aws('ls', '--recursive', `s3://${s3.bucket}/prod/agent-1/main/sets/${set!.setId}/`))
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/\s+/).pop()!.replace(`prod/agent-1/main/sets/${set!.setId}/`, ''))
      .sort();
    expect(listed).toEqual([...set!.objects.map((o) => o.key), 'manifest.copy.json', 'manifest.json'].sort());
    expect(set!.objects.every((o) => o.key.endsWith('.enc'))).toBe(true);
  }, 150_000);

  it('`offsite verify --read-data` decrypts and checks; one flipped byte in S3 fails it with exit 8', async () => {
    expect((await runCli(['offsite', 'verify', '--read-data'], { env: fleet.env })).code).toBe(0);
    const [set] = await sets();
    const rdb = set!.objects.find((o) => o.kind === 'rdb')!;
    const url = `s3://${s3.bucket}/prod/agent-1/main/sets/${set!.setId}/${rdb.key}`;
    const local = join(tmp.path, 'rdb-object');
    await aws('cp', url, local);
    const original = readFileSync(local);
    const damaged = Buffer.from(original);
    damaged[damaged.length - 100]! ^= 0x40;
    writeFileSync(local, damaged);
    await aws('cp', local, url);
    const bad = await runCli(['offsite', 'verify', '--read-data', '--json'], { env: fleet.env });
    expect(bad.code).toBe(8);
    const result = JSON.parse(bad.stdout.trim().split('\n')[0]!);
    expect(result).toMatchObject({ event: 'result', ok: false, setId: set!.setId });
    expect(result.objects.find((o: { key: string }) => o.key === rdb.key)).toMatchObject({ ok: false });
    writeFileSync(local, original);
    await aws('cp', local, url);
    expect((await runCli(['offsite', 'verify', '--read-data'], { env: fleet.env })).code).toBe(0);
  }, 150_000);

  it('`catalog rebuild` reads the bucket: the set comes back with every object\'s checksums', async () => {
    const before = await sets();
    await fleet.coordinator!.stop();
    await run('rm', ['-rf', join(tmp.path, 'catalog')]);
    await fleet.startCoordinator();
    expect(await sets()).toEqual([]);
    const r = await runCli(['catalog', 'rebuild'], { env: fleet.env });
    expect(r.code).toBe(0);
    const after = await sets();
    const strip = (list: SetJson[]) => list.map((s) => ({ id: s.setId, objects: s.objects.map((o) => [o.key, o.plainSha256, o.storedSha256]) }));
    expect(strip(after)).toEqual(strip(before));
  }, 150_000);
});
