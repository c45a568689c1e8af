import { Client, Connection } from '@temporalio/client';
import type { TemporalSettings } from '../config/relayConfig';
import { ConfigurationError, TemporalUnavailableError } from '../errors';
import { maskSecrets } from '../logging/logger';
import { tracingClientInterceptors } from '../telemetry/temporalTracing';
import { PayloadEncryptionCodec } from './payloadEncryptionCodec';
import { temporalDataConverter } from './temporalDataConverter';
import { temporalConnectionOptions } from './temporalConnectionOptions';

/** A Temporal client and the connection it owns; `close()` closes the connection. */
export interface TemporalClientHandle {
  readonly client: Client;
  close(): Promise<void>;
}

/**
 * Connects the relay's Temporal client to the configured frontend (TLS, mutual TLS and API
 * key as configured) with the tracing interceptors, so a start continues the active trace, and
 * the payload codec when encryption keys are configured (what it stores is encrypted).
 * An unreachable server is a TemporalUnavailableError naming the address.
 *
 * @example
 * const temporal = await connectTemporalClient(config.temporal);
 * try { await temporal.client.workflow.getHandle('research-r1').describe(); } finally { await temporal.close(); }
 */
export async function connectTemporalClient(settings: TemporalSettings, connectTimeoutMs = 5000): Promise<TemporalClientHandle> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...temporalConnectionOptions(settings), connectTimeout: connectTimeoutMs });
  } catch (error) {
    // The server's own reason (a refused credential, a TLS failure) helps; a credential it
    // quotes does not: masked.
    const reason = maskSecrets(causeChainText(error));
    throw new TemporalUnavailableError(`cannot reach Temporal at ${settings.address} (TEMPORAL_ADDRESS): ${reason}`, { cause: error });
  }
  const client = new Client({
    connection,
    namespace: settings.namespace,
    interceptors: { workflow: tracingClientInterceptors() },
    dataConverter: temporalDataConverter(settings.payloadEncryption),
  });
  return { client, close: () => connection.close() };
}

/** "message: cause's message: …" down an error's cause chain (the SDK wraps the server's reason). */
function causeChainText(error: unknown): string {
  const messages: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 5; depth += 1) {
    messages.push(current instanceof Error ? current.message : JSON.stringify(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return messages.join(': ');
}

/**
 * Runs `work` with the given client, or with one connected from `settings` for the duration
 * and closed afterwards (the library's operator calls build their own clients by default).
 *
 * @example
 * await withTemporalClient(config.temporal, options.temporal, (client) => client.workflow.count());
 */
export async function withTemporalClient<T>(settings: TemporalSettings, given: Client | undefined, work: (client: Client) => Promise<T>): Promise<T> {
  if (given) {
    // A caller's own client must not start runs in plain text where the relay encrypts.
    if (settings.payloadEncryption && !given.options.loadedDataConverter.payloadCodecs.some((codec) => codec instanceof PayloadEncryptionCodec)) {
      throw new ConfigurationError(
        'the Temporal client given has no payload encryption codec, but PAYLOAD_ENCRYPTION_KEYS are configured: build it with dataConverter: temporalDataConverter(config.temporal.payloadEncryption)',
        ['PAYLOAD_ENCRYPTION_KEYS'],
      );
    }
    return work(given);
  }
  const owned = await connectTemporalClient(settings);
  try {
    return await work(owned.client);
  } finally {
    await owned.close();
  }
}
