import type { TLSConfig } from '@temporalio/client';
import type { TemporalSettings } from '../config/relayConfig';
import { registerSecret } from '../logging/logger';

/** What both kinds of Temporal connection take: the client's Connection and the worker's NativeConnection. */
export interface TemporalConnectionOptions {
  readonly address: string;
  readonly tls: TLSConfig | boolean;
  readonly apiKey?: string;
}

/**
 * The one description of how research-relay reaches Temporal — address, TLS (CA, client
 * certificate, server name) and API key — used by the client (consumer, CLI, operator tools)
 * and by the worker's native connection alike, so no role connects differently.
 *
 * @example
 * const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
 */
export function temporalConnectionOptions(settings: TemporalSettings): TemporalConnectionOptions {
  // The configuration registered these already; settings built by hand (library users) too.
  registerSecret(settings.apiKey);
  registerSecret(settings.tlsFiles?.clientCertificate?.key);
  return {
    address: settings.address,
    tls: temporalTls(settings),
    ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
  };
}

function temporalTls(settings: TemporalSettings): TLSConfig | boolean {
  const { tlsFiles: files, tlsServerName } = settings;
  if (!files && !tlsServerName) return settings.tls;
  return {
    ...(files?.ca ? { serverRootCACertificate: Buffer.from(files.ca) } : {}),
    ...(files?.clientCertificate ? { clientCertPair: { crt: Buffer.from(files.clientCertificate.cert), key: Buffer.from(files.clientCertificate.key) } } : {}),
    ...(tlsServerName ? { serverNameOverride: tlsServerName } : {}),
  };
}
