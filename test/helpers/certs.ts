import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface CertFiles {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** A second CA and a client certificate signed by it (must be refused under mutual TLS). */
  rogueCa: string;
  rogueClientCert: string;
  rogueClientKey: string;
}

function keyPair(): forge.pki.rsa.KeyPair {
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

function makeCert(options: {
  subjectCn: string;
  keys: forge.pki.rsa.KeyPair;
  issuer?: { cert: forge.pki.Certificate; key: forge.pki.PrivateKey };
  isCa?: boolean;
  server?: boolean;
  serial: string;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = options.keys.publicKey;
  cert.serialNumber = options.serial;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
  const subject = [{ name: 'commonName', value: options.subjectCn }];
  cert.setSubject(subject);
  cert.setIssuer(options.issuer ? options.issuer.cert.subject.attributes : subject);
  const extensions: object[] = [{ name: 'basicConstraints', cA: options.isCa === true }];
  if (options.isCa) extensions.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true });
  else {
    extensions.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true });
    extensions.push({ name: 'extKeyUsage', serverAuth: options.server === true, clientAuth: true });
  }
  if (options.server) extensions.push({ name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }, { type: 2, value: 'localhost' }] });
  cert.setExtensions(extensions);
  cert.sign(options.issuer ? (options.issuer.key as forge.pki.rsa.PrivateKey) : options.keys.privateKey, forge.md.sha256.create());
  return cert;
}

/**
 * A throwaway PKI for TLS tests, written as PEM files into `dir`: a CA, a server certificate for
 * 127.0.0.1/localhost, a client certificate, and a client certificate from a different CA.
 */
export function generateTestPki(dir: string): CertFiles {
  const caKeys = keyPair();
  const caCert = makeCert({ subjectCn: 'redback test CA', keys: caKeys, isCa: true, serial: '01' });
  const serverKeys = keyPair();
  const serverCert = makeCert({ subjectCn: 'localhost', keys: serverKeys, issuer: { cert: caCert, key: caKeys.privateKey }, server: true, serial: '02' });
  const clientKeys = keyPair();
  const clientCert = makeCert({ subjectCn: 'redback-client', keys: clientKeys, issuer: { cert: caCert, key: caKeys.privateKey }, serial: '03' });
  const rogueKeys = keyPair();
  const rogueCa = makeCert({ subjectCn: 'rogue CA', keys: rogueKeys, isCa: true, serial: '04' });
  const rogueClientKeys = keyPair();
  const rogueClient = makeCert({ subjectCn: 'rogue-client', keys: rogueClientKeys, issuer: { cert: rogueCa, key: rogueKeys.privateKey }, serial: '05' });

  const files: CertFiles = {
    ca: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    rogueCa: join(dir, 'rogue-ca.pem'),
    rogueClientCert: join(dir, 'rogue-client.pem'),
    rogueClientKey: join(dir, 'rogue-client.key'),
  };
  const pem = forge.pki.certificateToPem;
  const keyPem = forge.pki.privateKeyToPem;
  writeFileSync(files.ca, pem(caCert));
  writeFileSync(files.serverCert, pem(serverCert));
  writeFileSync(files.serverKey, keyPem(serverKeys.privateKey), { mode: 0o600 });
  writeFileSync(files.clientCert, pem(clientCert));
  writeFileSync(files.clientKey, keyPem(clientKeys.privateKey), { mode: 0o600 });
  writeFileSync(files.rogueCa, pem(rogueCa));
  writeFileSync(files.rogueClientCert, pem(rogueClient));
  writeFileSync(files.rogueClientKey, keyPem(rogueClientKeys.privateKey), { mode: 0o600 });
  return files;
}
