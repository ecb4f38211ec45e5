import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestPki, type CertFiles } from '../helpers/certs.js';
import { runCli, runCliJson } from '../helpers/cli.js';
import { AGENT_TOKEN, TestFleet } from '../helpers/fleet-fixture.js';
import { makeTempDir } from '../helpers/temp-dir.js';

describe('TLS and mutual TLS between agents, operators and the coordinator', () => {
  const tmp = makeTempDir();
  const fleet = new TestFleet(tmp.path);
  let pki: CertFiles;

  beforeAll(async () => {
    pki = generateTestPki(tmp.path);
    await fleet.writeCoordinatorConfig({
      tls: { cert: pki.serverCert, key: pki.serverKey, ca: pki.ca, requireClientCert: true },
    });
    await fleet.startCoordinator();
  }, 60_000);

  afterAll(async () => {
    await fleet.stop();
    tmp.cleanup();
  });

  const tlsEnv = () => ({ ...fleet.env, REDBACK_TLS_CA: pki.ca, REDBACK_TLS_CERT: pki.clientCert, REDBACK_TLS_KEY: pki.clientKey });

  it('an agent with a client certificate from the CA joins over mutual TLS', async () => {
    const agent = await fleet.addAgent('tls-agent', {
      agentConfig: { coordinator: { address: fleet.address, token: AGENT_TOKEN, reconnectMaxDelay: '2s', tls: { ca: pki.ca, cert: pki.clientCert, key: pki.clientKey } } },
    });
    await fleet.startAgent(agent);
    const agents = await runCliJson(['agents', '--json'], { env: tlsEnv() });
    expect(agents.code).toBe(0);
    expect(agents.json.map((a: { agentId: string }) => a.agentId)).toContain('tls-agent');
  });

  it('a plain-text client is refused (exit 11, coordinator unreachable over plain text)', async () => {
    const r = await runCli(['agents'], { env: fleet.env });
    expect(r.code).toBe(11);
    expect(r.stderr).toMatch(/^redback: cannot reach coordinator/);
  });

  it('a client certificate from another CA is refused', async () => {
    const r = await runCli(['agents'], { env: { ...fleet.env, REDBACK_TLS_CA: pki.ca, REDBACK_TLS_CERT: pki.rogueClientCert, REDBACK_TLS_KEY: pki.rogueClientKey } });
    expect(r.code).toBe(11);
  });

  it('TLS without a client certificate is refused when mutual TLS is required', async () => {
    const r = await runCli(['agents'], { env: { ...fleet.env, REDBACK_TLS_CA: pki.ca } });
    expect(r.code).toBe(11);
  });
});
