import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import fs from 'node:fs';

/**
 * The PEM contents of a client's TLS files, read and checked at start-up: the CA that signs
 * the server's certificate and, for mutual TLS, the client's certificate and private key.
 */
export interface TlsFiles {
  /** PEM of the CA certificate(s) the server's certificate must chain to; absent: the system's roots. */
  readonly ca?: string;
  /** PEM certificate and private key this client proves itself with (mutual TLS). */
  readonly clientCertificate?: { readonly cert: string; readonly key: string };
}

/** The variables that name one system's TLS files, e.g. KAFKA_TLS_CA_FILE. */
export interface TlsFileVariables {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/**
 * Reads the TLS files the variables name; undefined when none is set. Every problem names its
 * variable: a missing or unreadable file, a file that is no PEM certificate or key, a
 * certificate without its key (or the reverse), a key that does not belong to the certificate.
 * Problems never quote a key's contents.
 */
export function readTlsFiles(env: Readonly<Record<string, string | undefined>>, names: TlsFileVariables): { files?: TlsFiles; problems: string[] } {
  const problems: string[] = [];
  const caFile = env[names.ca];
  const certFile = env[names.cert];
  const keyFile = env[names.key];
  if (!caFile && !certFile && !keyFile) return { problems };
  if (Boolean(certFile) !== Boolean(keyFile)) {
    const [given, missing] = certFile ? [names.cert, names.key] : [names.key, names.cert];
    problems.push(`${given} is set but ${missing} is not: a client certificate needs its private key (and the key its certificate)`);
  }
  const ca = caFile ? readCertificate(names.ca, caFile, problems) : undefined;
  const cert = certFile ? readCertificate(names.cert, certFile, problems) : undefined;
  const key = keyFile ? readPrivateKey(names.key, keyFile, problems) : undefined;
  if (cert && key && !cert.parsed.checkPrivateKey(key.parsed)) {
    problems.push(`${names.key}: the private key does not belong to the certificate in ${names.cert}`);
  }
  const files: TlsFiles = {
    ...(ca ? { ca: ca.pem } : {}),
    ...(cert && key ? { clientCertificate: { cert: cert.pem, key: key.pem } } : {}),
  };
  return problems.length > 0 ? { problems } : { files, problems };
}

function readFile(variable: string, file: string, problems: string[]): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    problems.push(`${variable}=${JSON.stringify(file)}: cannot read the file (${code})`);
    return undefined;
  }
}

function readCertificate(variable: string, file: string, problems: string[]): { pem: string; parsed: X509Certificate } | undefined {
  const pem = readFile(variable, file, problems);
  if (pem === undefined) return undefined;
  try {
    return { pem, parsed: new X509Certificate(pem) };
  } catch {
    problems.push(`${variable}=${JSON.stringify(file)}: not a PEM certificate`);
    return undefined;
  }
}

function readPrivateKey(variable: string, file: string, problems: string[]): { pem: string; parsed: KeyObject } | undefined {
  const pem = readFile(variable, file, problems);
  if (pem === undefined) return undefined;
  try {
    return { pem, parsed: createPrivateKey(pem) };
  } catch {
    // Never the parser's message: it may quote the file.
    problems.push(`${variable}=${JSON.stringify(file)}: not a PEM private key (an encrypted key is not supported)`);
    return undefined;
  }
}
