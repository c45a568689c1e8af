import type { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { tracingWorkerOptions } from '../../src/telemetry/temporalTracing';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { installQuietTemporalRuntime } from './quietTemporalRuntime';
import { testConfig, testTemporalClient } from './testInfrastructure';

export interface TestWorker {
  readonly client: Client;
  stop(): Promise<void>;
}

/** A real worker on its own task queue plus a client, both on the server the test command started. */
export async function startTestWorker(options: Pick<WorkerOptions, 'taskQueue' | 'workflowsPath' | 'workflowBundle' | 'activities'>): Promise<TestWorker> {
  installQuietTemporalRuntime();
  const { client, connection }: { client: Client; connection: Connection } = await testTemporalClient();
  const workerConnection = await NativeConnection.connect({ address: testConfig().temporal.address });
  // The production span sink (the bundle's tracing interceptors call it): workflow spans go where
  // this process's telemetry goes, nowhere when it is off, as in the service.
  const worker = await Worker.create({ connection: workerConnection, sinks: tracingWorkerOptions(activeTelemetry()).sinks, ...options });
  const running = worker.run();
  return {
    client,
    async stop() {
      worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
    },
  };
}
