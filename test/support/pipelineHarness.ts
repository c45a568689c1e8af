import { Client, type Connection } from '@temporalio/client';
import { ConfigResourceTypes, type Kafka, type Producer } from 'kafkajs';
import type { IngestOutcome } from '../../consumers/ingestConsumer';
import { prefixedNameVariables } from '../../src/config/prefixedNames';
import type { RelayConfig } from '../../src/config/relayConfig';
import { createKafka } from '../../src/kafka/kafkaClient';
import { provisionRelayTopics } from '../../src/kafka/topicProvisioner';
import { createLogger, silentLogger, type Logger } from '../../src/logging/logger';
import { defaultCorpusDirectory } from '../../src/search/searchProviderFromConfig';
import { RelayService } from '../../app/service/relayService';
import { sharedWorkflowBundle } from './sharedWorkflowBundle';
import { startStandInServer, type FaultPlan, type StandInServer } from '../../dev/standIn';
import { installQuietTemporalRuntime } from './quietTemporalRuntime';
import { eventually, testConfig, testTemporalClient, uniqueName } from './testInfrastructure';
import { tearDown } from './teardown';
import { TopicRecorder } from './topicRecorder';

/** The worker's run settings in tests: fast retries; behaviour is the same as production's. */
export const fastRunSettings: NodeJS.ProcessEnv = { LLM_ACTIVITY_ATTEMPTS: '2', LLM_RETRY_INITIAL_MS: '100', SEARCH_CONCURRENCY: '5' };

export interface PipelineOptions {
  readonly faults?: FaultPlan;
  /** How long the stand-in takes per model call (default 0). */
  readonly standInLatencyMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  readonly roles?: { consumer: boolean; worker: boolean };
  readonly logger?: Logger;
}

/**
 * The whole pipeline on the real Kafka and Temporal, with the stand-in model server:
 * topics, consumer group, task queue and workflow-id prefix are unique to this harness.
 */
export class PipelineHarness {
  readonly outcomes: IngestOutcome[] = [];

  private constructor(
    readonly config: RelayConfig,
    readonly env: NodeJS.ProcessEnv,
    readonly standIn: StandInServer,
    readonly kafka: Kafka,
    readonly producer: Producer,
    readonly recorder: TopicRecorder,
    readonly client: Client,
    private readonly connection: Connection,
    public service: RelayService | undefined,
  ) {}

  static async start(options: PipelineOptions = {}): Promise<PipelineHarness> {
    installQuietTemporalRuntime();
    // What start has made so far, newest first: a step that fails (topics, producer, recorder,
    // Temporal client, service) must not leave the earlier ones holding the test process open.
    const made: (() => unknown)[] = [];
    try {
      const standIn = await startStandInServer({ ...(options.faults ? { faults: options.faults } : {}), ...(options.standInLatencyMs ? { latencyMs: options.standInLatencyMs } : {}) });
      made.unshift(() => standIn.stop());
      const id = uniqueName('t');
      const env: NodeJS.ProcessEnv = {
        ...prefixedNameVariables(id),
        TOPIC_PARTITIONS: '3',
        CONSUMER_SESSION_TIMEOUT_MS: '8000',
        OPENAI_BASE_URL: standIn.baseUrl,
        OPENAI_API_KEY: 'sk-test-secret-key-never-logged',
        OPENAI_MAX_RETRIES: '1',
        OPENAI_TIMEOUT_MS: '5000',
        SEARCH_PROVIDER: 'local-corpus',
        SEARCH_CORPUS_DIR: defaultCorpusDirectory,
        INGEST_MAX_MESSAGE_BYTES: '4096',
        ...fastRunSettings,
        ...options.env,
      };
      const config = testConfig(env);
      const kafka = createKafka(config.kafka, silentLogger, uniqueName('harness'));
      await provisionRelayTopics(kafka, config);
      const producer = kafka.producer();
      // Also after a failed connect: kafkajs may hold a half-open connection.
      made.unshift(() => producer.disconnect());
      await producer.connect();
      const recorder = await TopicRecorder.start(kafka, [config.topics.completed, config.topics.failed, config.topics.deadLetter, config.topics.progress]);
      made.unshift(() => recorder.stop());
      const { client, connection } = await testTemporalClient(config);
      made.unshift(() => connection.close());
      const harness = new PipelineHarness(config, env, standIn, kafka, producer, recorder, client, connection, undefined);
      harness.service = await harness.startService(options);
      return harness;
    } catch (error) {
      // The set-up error is the one to report; every clean-up step has run whatever it threw.
      await tearDown(...made).catch(() => undefined);
      throw error;
    }
  }

  /** Starts (again) the service for this harness's topics; the test process hosts it. */
  async startService(options: PipelineOptions = {}): Promise<RelayService> {
    return RelayService.start({
      config: this.config,
      logger: options.logger ?? (process.env.TEST_LOG ? createLogger({ level: 'debug', name: 'test' }) : silentLogger),
      roles: options.roles ?? { consumer: true, worker: true },
      workflowBundle: await sharedWorkflowBundle(),
      onOutcome: (outcome) => this.outcomes.push(outcome),
    });
  }

  /** Produces a valid request (key = requestId, CloudEvents headers). */
  async request(requestId: string, query: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<void> {
    await this.produceRaw(requestId, JSON.stringify({ requestId, query, ...extra }), { ce_type: 'research.requested.v1', ...headers });
  }

  async produceRaw(key: string | null, value: Buffer | string, headers: Record<string, string> = {}): Promise<void> {
    await this.producer.send({ topic: this.config.topics.requested, acks: -1, messages: [{ key, value, headers }] });
  }

  /**
   * Lets the requests topic keep producers' timestamps (`message.timestamp.type=CreateTime`, as a
   * topic the relay did not create may): the relay creates it broker-stamped, where a record's
   * timestamp is its append time whatever the producer said. Resolves once the broker says so.
   */
  async keepProducerTimestamps(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const resource = { type: ConfigResourceTypes.TOPIC, name: this.config.topics.requested };
      await admin.alterConfigs({ validateOnly: false, resources: [{ ...resource, configEntries: [{ name: 'message.timestamp.type', value: 'CreateTime' }] }] });
      await eventually(async () => {
        const described = await admin.describeConfigs({ includeSynonyms: false, resources: [{ ...resource, configNames: ['message.timestamp.type'] }] });
        return described.resources[0]?.configEntries[0]?.configValue === 'CreateTime' || undefined;
      }, 30_000, 'the requests topic to keep producer timestamps');
    } finally {
      await admin.disconnect();
    }
  }

  /** The sum of a topic's high watermarks: how many records it ever held. */
  async topicEnd(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
    } finally {
      await admin.disconnect();
    }
  }

  workflowId(requestId: string): string {
    return `${this.config.temporal.workflowIdPrefix}${requestId}`;
  }

  /** Every run Temporal has for a workflow id (visibility is eventually consistent: poll). */
  async runsOf(workflowId: string): Promise<string[]> {
    const runs: string[] = [];
    for await (const run of this.client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(run.runId);
    return runs;
  }

  /** How many runs Temporal holds for this harness's workflow ids, once two polls a moment apart agree. */
  async stableRunCount(): Promise<number> {
    let previous = -1;
    return eventually(async () => {
      const { count } = await this.client.workflow.count(`WorkflowId STARTS_WITH "${this.config.temporal.workflowIdPrefix}"`);
      const stable = count === previous;
      previous = count;
      return stable ? count : undefined;
    }, 30_000, 'the run count to settle');
  }

  /**
   * The workflow ids (one entry per run) of this harness's runs that match, once `expected`
   * of them exist, all are closed, and two polls a moment apart agree.
   */
  async settledRunIds(match: (workflowId: string) => boolean, expected: number, timeoutMs = 60_000): Promise<string[]> {
    let previous = '';
    return eventually(async () => {
      const runs: { id: string; closed: boolean }[] = [];
      for await (const run of this.client.workflow.list({ query: `WorkflowId STARTS_WITH "${this.config.temporal.workflowIdPrefix}"` })) {
        if (match(run.workflowId)) runs.push({ id: run.workflowId, closed: run.status.name !== 'RUNNING' });
      }
      const current = runs.map((run) => run.id).sort().join(',');
      const settled = runs.length >= expected && runs.every((run) => run.closed) && current === previous;
      previous = current;
      return settled ? runs.map((run) => run.id) : undefined;
    }, timeoutMs, 'the runs to settle');
  }

  /** Stops everything the harness holds, every step even when an earlier one throws. */
  async close(): Promise<void> {
    await tearDown(
      () => this.service?.stop(),
      () => this.recorder.stop(),
      () => this.producer.disconnect(),
      () => this.connection.close(),
      () => this.standIn.stop(),
    );
  }
}
