import { NativeConnection, Worker } from '@temporalio/worker';
import type { Producer } from 'kafkajs';
import type OpenAI from 'openai';
import { createActivities } from '../../activities/createActivities';
import type { RelayConfig } from '../../src/config/relayConfig';
import type { PriceTable } from '../../src/llm/priceTable';
import type { Logger } from '../../src/logging/logger';
import type { SearchProvider } from '../../src/search/searchProvider';
import { tracingWorkerOptions, workflowTracingModule } from '../../src/telemetry/temporalTracing';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { temporalDataConverter } from '../../src/temporal/temporalDataConverter';
import { temporalConnectionOptions } from '../../src/temporal/temporalConnectionOptions';
import { prebuiltWorkflowBundle, workflowsPath } from './workflowBundle';

export interface ResearchWorkerOptions {
  readonly config: RelayConfig;
  readonly logger: Logger;
  readonly openai: OpenAI;
  readonly searchProvider: SearchProvider;
  /** The worker's one shared producer for result events (acks=all). */
  readonly producer: Producer;
  readonly prices: PriceTable;
  /** The models the agents request (default: the configured ones). */
  readonly models?: RelayConfig['llm']['models'];
  /** A pre-built workflow bundle (tests, benchmarks); otherwise the build's, or workflows/ bundled at start. */
  readonly workflowBundle?: { code: string };
}

/** The Temporal worker that runs ResearchWorkflow and the agent activities. */
export async function createResearchWorker(options: ResearchWorkerOptions): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { config } = options;
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  try {
    const bundle = options.workflowBundle ?? prebuiltWorkflowBundle();
    const tracing = tracingWorkerOptions(activeTelemetry());
    const worker = await Worker.create({
      ...tracing,
      interceptors: {
        ...tracing.interceptors,
        // A pre-built bundle already contains the workflow interceptors (bundleResearchWorkflows).
        ...(bundle ? {} : { workflowModules: [workflowTracingModule] }),
      },
      connection,
      // Encrypts what the worker writes (activity results, workflow commands) when keys are set.
      dataConverter: temporalDataConverter(config.temporal.payloadEncryption),
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      ...(bundle ? { workflowBundle: bundle } : { workflowsPath }),
      activities: createActivities({
        openai: options.openai,
        modelApi: { api: config.llm.api, tokenLimitField: config.llm.tokenLimitField },
        searchProvider: options.searchProvider,
        producer: options.producer,
        topics: config.topics,
        models: options.models ?? config.llm.models,
        prices: options.prices,
        logger: options.logger,
        runSettings: config.run,
        resultMaxEventBytes: config.resultMaxEventBytes,
      }),
      maxConcurrentActivityTaskExecutions: config.workerSlots.activities,
      maxConcurrentWorkflowTaskExecutions: config.workerSlots.workflowTasks,
      // No eager activities: a workflow task that schedules activities would hand them this
      // worker's free slots directly, past the task queue — and so past its priority and
      // fairness, letting a replay's run take the slot a waiting live run should get.
      maxEagerActivityReservationsPerWorkflowTask: 0,
      shutdownGraceTime: config.workerShutdownGraceMs,
    });
    return { worker, connection };
  } catch (error) {
    await connection.close();
    throw error;
  }
}
