import { Connection } from '@temporalio/client';
import type { TemporalSettings } from '../config/relayConfig';
import { registerSecret } from '../logging/logger';
import { TemporalUnavailableError } from '../errors';

/**
 * Connects a Temporal client to the configured frontend (TLS and API key for Temporal Cloud).
 * An unreachable server is a TemporalUnavailableError naming the address.
 */
export async function connectTemporal(settings: TemporalSettings, connectTimeoutMs = 5000): Promise<Connection> {
  registerSecret(settings.apiKey);
  try {
    return await Connection.connect({
      address: settings.address,
      tls: settings.tls,
      ...(settings.apiKey ? { apiKey: settings.apiKey } : {}),
      connectTimeout: connectTimeoutMs,
    });
  } catch (error) {
    throw new TemporalUnavailableError(`cannot reach Temporal at ${settings.address} (TEMPORAL_ADDRESS)`, { cause: error });
  }
}
