import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestPki, type CertFiles } from '../helpers/certs.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { writeAgentConfig } from '../helpers/agent-fixture.js';
import { freePort } from '../helpers/ports.js';
import { TestRedisServer } from '../helpers/redis-server.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('Redis URLs with ACL users and TLS', () => {
  const tmp = makeTempDir();
  let pki: CertFiles;
  let acl: TestRedisServer;
  let tls: TestRedisServer;
  let tlsPort: number;

  beforeAll(async () => {
    pki = generateTestPki(tmp.path);
    acl = await TestRedisServer.start({
      dir: join(tmp.path, 'acl'),
      extraConfig: ['user default off', 'user backup on >backup-pass ~* &* +@all'],
      readyProbe: { username: 'backup', password: 'backup-pass' },
    });
    tlsPort = await freePort();
    tls = await TestRedisServer.start({
      dir: join(tmp.path, 'tls'),
      port: 0,
      extraConfig: [
        `tls-port ${tlsPort}`,
        `tls-cert-file ${pki.serverCert}`,
        `tls-key-file ${pki.serverKey}`,
        `tls-ca-cert-file ${pki.ca}`,
        'tls-auth-clients yes',
      ],
      readyProbe: { port: tlsPort, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } },
    });
  });

  afterAll(async () => {
    await acl.stop();
    await tls.stop();
    tmp.cleanup();
  });

  it('an ACL user and password in the URL work; a wrong user is refused with exit 5', async () => {
    const good = writeAgentConfig(tmp.path, { backupDir: join(tmp.path, 'b-acl'), instances: [{ name: 'main', url: `redis://backup:backup-pass@127.0.0.1:${acl.port}` }] }, 'acl.yaml');
    const ok = await runCliJson(['agent', 'snapshot', '--config', good, '--instance', 'main', '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json.rdbVersion).toBe(10);
    const bad = writeAgentConfig(tmp.path, { backupDir: join(tmp.path, 'b-acl2'), instances: [{ name: 'main', url: `redis://backup:nope@127.0.0.1:${acl.port}` }] }, 'acl-bad.yaml');
    const refused = await runCli(['agent', 'snapshot', '--config', bad, '--instance', 'main']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/refused authentication/);
    expect(refused.stderr).not.toContain('nope');
  });

  it('rediss:// with a CA and client certificate (mutual TLS) works; without the client certificate it fails', async () => {
    const url = `rediss://127.0.0.1:${tlsPort}`;
    const good = writeAgentConfig(tmp.path, {
      backupDir: join(tmp.path, 'b-tls'),
      instances: [{ name: 'main', url, tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } }],
    }, 'tls.yaml');
    const ok = await runCliJson(['agent', 'snapshot', '--config', good, '--instance', 'main', '--json']);
    expect(ok.code).toBe(0);
    expect(ok.json.redisVersion).toBe('7.0.15');
    const noClientCert = writeAgentConfig(tmp.path, { backupDir: join(tmp.path, 'b-tls2'), instances: [{ name: 'main', url, tls: { ca: pki.ca } }] }, 'tls-bad.yaml');
    const refused = await runCli(['agent', 'snapshot', '--config', noClientCert, '--instance', 'main']);
    expect(refused.code, refused.stderr).toBe(5);
    expect(refused.stderr).toMatch(/^redback: /);
  });
});
