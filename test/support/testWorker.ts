import type { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { tracingWorkerOptions } from '../../src/telemetry/temporalTracing';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { installQuietTemporalRuntime } from './quietTemporalRuntime';
import { tearDown } from './teardown';
import { testConfig, testTemporalClient } from './testInfrastructure';

export interface TestWorker {
  readonly client: Client;
  stop(): Promise<void>;
}

/** A real worker on its own task queue plus a client, both on the server the test command started. */
export async function startTestWorker(options: Pick<WorkerOptions, 'taskQueue' | 'workflowsPath' | 'workflowBundle' | 'activities'>): Promise<TestWorker> {
  installQuietTemporalRuntime();
  const { client, connection }: { client: Client; connection: Connection } = await testTemporalClient();
  // What is open so far, newest first: a failed connect or Worker.create must not leave the client's connection open.
  const made: (() => unknown)[] = [() => connection.close()];
  try {
    const workerConnection = await NativeConnection.connect({ address: testConfig().temporal.address });
    made.unshift(() => workerConnection.close());
    // The production span sink (the bundle's tracing interceptors call it): workflow spans go where
    // this process's telemetry goes, nowhere when it is off, as in the service.
    const worker = await Worker.create({ connection: workerConnection, sinks: tracingWorkerOptions(activeTelemetry()).sinks, ...options });
    const running = worker.run();
    return {
      client,
      stop: () =>
        tearDown(
          async () => {
            worker.shutdown();
            await running;
          },
          () => workerConnection.close(),
          () => connection.close(),
        ),
    };
  } catch (error) {
    // The set-up error is the one to report; every clean-up step has run whatever it threw.
    await tearDown(...made).catch(() => undefined);
    throw error;
  }
}
