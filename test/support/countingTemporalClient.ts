import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';
import { Client, Connection, defaultGrpcRetryOptions, makeGrpcRetryInterceptor } from '@temporalio/client';
import type { RelayConfig } from '../../src/config/relayConfig';
import { temporalConnectionOptions } from '../../src/temporal/temporalConnectionOptions';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';

export interface CountingTemporalClient {
  readonly client: Client;
  /** Calls sent to the real server so far, by gRPC method name (`ListWorkflowExecutions`, …). */
  readonly calls: Map<string, number>;
  close(): Promise<void>;
}

/**
 * A Temporal client on the real server whose connection counts every call by method: how a
 * test sees how many calls a replay made. `laggingVisibility`: every ListWorkflowExecutions
 * answers an empty page, as a visibility store that has not caught up with the runs yet would.
 */
export async function countingTemporalClient(config: RelayConfig, options: { laggingVisibility?: boolean } = {}): Promise<CountingTemporalClient> {
  const calls = new Map<string, number>();
  const counting: Interceptor = (callOptions, nextCall) => {
    const method = callOptions.method_definition.path.split('/').pop() ?? '?';
    calls.set(method, (calls.get(method) ?? 0) + 1);
    const lagging = options.laggingVisibility === true && method === 'ListWorkflowExecutions';
    if (!lagging) return new InterceptingCall(nextCall(callOptions));
    return new InterceptingCall(nextCall(callOptions), {
      // The client's messages are raw bytes: an empty one is a response with no executions.
      start: (metadata, _listener, next) => next(metadata, { onReceiveMessage: (_message: unknown, receive: (message: unknown) => void) => receive(Buffer.alloc(0)) }),
    });
  };
  const connection = await Connection.connect({ ...temporalConnectionOptions(config.temporal), interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), counting] });
  const client = new Client({ connection, namespace: config.temporal.namespace, dataConverter: temporalDataConverter(config.temporal.payloadEncryption) });
  return { client, calls, close: () => connection.close() };
}
