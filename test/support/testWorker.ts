import type { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { discardedWorkflowSpans } from './discardedWorkflowSpans';
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
  const worker = await Worker.create({ connection: workerConnection, sinks: discardedWorkflowSpans, ...options });
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
