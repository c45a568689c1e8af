import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Paths of a throwaway PKI, generated with the openssl CLI for one test file. */
export interface TestCertificates {
  readonly directory: string;
  /** The CA that signs the server and client certificates below. */
  readonly caFile: string;
  /** For 127.0.0.1 and localhost (the TLS proxies' identity). */
  readonly serverCertFile: string;
  readonly serverKeyFile: string;
  /** A client identity the CA signed (CN research-relay-test-client). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  /** A second, unrelated CA: a server certificate checked against it fails. */
  readonly otherCaFile: string;
  /** A client certificate signed by the other CA: a server trusting only caFile refuses it. */
  readonly otherClientCertFile: string;
  readonly otherClientKeyFile: string;
  remove(): void;
}

export const testClientCommonName = 'research-relay-test-client';

function openssl(directory: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: directory, stdio: ['ignore', 'ignore', 'pipe'] });
}

function createCa(directory: string, name: string): void {
  openssl(directory, 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
}

function issue(directory: string, ca: string, name: string, commonName: string, extensions: string): void {
  openssl(directory, 'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${commonName}`);
  fs.writeFileSync(path.join(directory, `${name}.ext`), extensions);
  openssl(directory, 'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial',
    '-out', `${name}.crt`, '-days', '2', '-extfile', `${name}.ext`);
}

/**
 * A fresh CA with a server certificate (SAN localhost, 127.0.0.1) and a client certificate,
 * plus an unrelated CA with its own client certificate, in a temporary directory.
 */
export function createTestCertificates(): TestCertificates {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'relay-tls-'));
  const leaf = 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n';
  createCa(directory, 'ca');
  createCa(directory, 'other-ca');
  issue(directory, 'ca', 'server', 'localhost', `${leaf}extendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n`);
  issue(directory, 'ca', 'client', testClientCommonName, `${leaf}extendedKeyUsage=clientAuth\n`);
  issue(directory, 'other-ca', 'other-client', testClientCommonName, `${leaf}extendedKeyUsage=clientAuth\n`);
  const file = (name: string): string => path.join(directory, name);
  return {
    directory,
    caFile: file('ca.crt'),
    serverCertFile: file('server.crt'),
    serverKeyFile: file('server.key'),
    clientCertFile: file('client.crt'),
    clientKeyFile: file('client.key'),
    otherCaFile: file('other-ca.crt'),
    otherClientCertFile: file('other-client.crt'),
    otherClientKeyFile: file('other-client.key'),
    remove: () => fs.rmSync(directory, { recursive: true, force: true }),
  };
}
