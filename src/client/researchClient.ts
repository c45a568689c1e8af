import type { Kafka, Producer } from 'kafkajs';
import { loadRelayConfig, type KafkaSettings, type TopicNames } from '../config/relayConfig';
import { createKafka } from '../kafka/kafkaClient';
import { silentLogger, type Logger } from '../logging/logger';
import { sendResearchCancel, type ResearchCancelOptions, type SentCancel } from './cancelSender';
import { sendResearchRequest, type ResearchRequestInput, type SentRequest } from './requestSender';
import type { ResultEvent } from './resultEvent';
import { subscribeToResults, type SubscribeOptions } from './resultSubscription';
import { waitForResult, type WaitForResultOptions } from './resultWait';
import type { RunEvent } from './runEvent';

export type { ResearchRequestInput, SentRequest } from './requestSender';
export type { ResearchCancelOptions, SentCancel } from './cancelSender';
export type { SubscribeOptions } from './resultSubscription';
export type { ProgressUpdate, RunEvent } from './runEvent';
export type { WaitForResultOptions } from './resultWait';

export interface ResearchClientOptions {
  /** Kafka bootstrap brokers, e.g. ['127.0.0.1:9092']; default: KAFKA_BROKERS. */
  readonly brokers?: readonly string[];
  readonly clientId?: string;
  readonly ssl?: boolean;
  readonly sasl?: KafkaSettings['sasl'];
  /**
   * Topic names; default: the TOPIC_* variables, else research.requested / .completed / .failed /
   * .cancel. Cancels go to `cancel` (research.cancel by default, 0.5 on): name it too when you
   * rename the others (a relay before 0.5 reads cancels from the requests topic only).
   */
  readonly topics?: Partial<TopicNames>;
  readonly logger?: Logger;
  /** An existing kafkajs client to use instead of building one from these options. */
  readonly kafka?: Kafka;
}

/**
 * The typed library for upstream systems (request, cancel) and subscribers (subscribe).
 *
 * @example
 * const client = createResearchClient({ brokers: ['127.0.0.1:9092'] });
 * const sent = await client.request({ query: 'How do heat pumps perform in cold climates?' });
 * for await (const update of client.subscribe({ requestId: sent.requestId, progress: true })) {
 *   if (update.kind === 'progress') console.log(update.event.step, `${update.event.searches.done}/${update.event.searches.planned}`);
 *   else if (update.kind === 'completed') { console.log(update.event.report.shortSummary); break; }
 *   else { console.log('failed:', update.event.error.type); break; }
 * }
 * await client.close();
 */
export interface ResearchClient {
  request(input: ResearchRequestInput): Promise<SentRequest>;
  /**
   * Sends a `research.cancel.v1` event for the request's live run and resolves once Kafka has
   * it. The relay cancels the run if it is running: its model calls are aborted and it
   * publishes one `research.failed` with `cancelled: true`, its stage and `cancelReason`. A
   * run that has finished, or a request id without a run, is left as it is — nothing starts.
   */
  cancel(requestId: string, options?: ResearchCancelOptions): Promise<SentCancel>;
  /** Result events; with `progress: true`, the runs' progress events too (kind `'progress'`). */
  subscribe(options?: SubscribeOptions & { readonly progress?: false }): AsyncIterableIterator<ResultEvent>;
  subscribe(options: SubscribeOptions): AsyncIterableIterator<RunEvent>;
  /**
   * Waits for the result of one request (reads the result topics from the beginning): of the
   * run `runId` when given — an earlier run of the same request id may have left a result
   * too — else the first result of the request's live runs (reruns are skipped unless
   * `epoch` names one).
   */
  waitForResult(requestId: string, options?: WaitForResultOptions): Promise<ResultEvent>;
  close(): Promise<void>;
}

/**
 * Creates the typed client of upstream producers and result subscribers; options default to the KAFKA_* and TOPIC_* variables.
 *
 * @example
 * const client = createResearchClient({ brokers: ['127.0.0.1:9092'] });
 * const { requestId } = await client.request({ query: 'How do heat pumps perform in cold climates?', budget: { maxCostUsd: 0.5 } });
 * const result = await client.waitForResult(requestId, { timeoutMs: 600_000, onProgress: (p) => console.log(p.step, p.usage.estimatedCostUsd) });
 * await client.close();
 */
export function createResearchClient(options: ResearchClientOptions = {}): ResearchClient {
  const defaults = loadRelayConfig(options.brokers ? { ...process.env, KAFKA_BROKERS: options.brokers.join(',') } : process.env);
  const kafka: Kafka = options.kafka ?? createKafka(
    {
      ...defaults.kafka,
      ...(options.clientId ? { clientId: options.clientId } : {}),
      ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
      ...(options.sasl ? { sasl: options.sasl } : {}),
    },
    options.logger ?? silentLogger,
    'client',
  );
  const topics: TopicNames = { ...defaults.topics, ...options.topics };
  let producer: Producer | undefined;
  let producerReady: Promise<Producer> | undefined;
  const subscriptions = new Set<() => Promise<void>>();
  const logger = options.logger ?? silentLogger;

  const connectedProducer = (): Promise<Producer> => {
    producerReady ??= (async () => {
      producer = kafka.producer();
      await producer.connect();
      return producer;
    })();
    return producerReady;
  };

  const client: ResearchClient = {
    async request(input) {
      return sendResearchRequest(await connectedProducer(), topics.requested, options.clientId ?? 'research-relay/client', input);
    },

    async cancel(requestId, cancelOptions) {
      return sendResearchCancel(await connectedProducer(), topics.cancel, options.clientId ?? 'research-relay/client', requestId, cancelOptions);
    },

    subscribe: ((subscribeOptions: SubscribeOptions = {}) => subscribeToResults(kafka, topics, subscribeOptions, subscriptions)) as ResearchClient['subscribe'],

    waitForResult(requestId, waitOptions = {}) {
      return waitForResult((subscribeOptions) => subscribeToResults(kafka, topics, subscribeOptions, subscriptions), requestId, waitOptions, logger);
    },

    async close() {
      await Promise.all([...subscriptions].map((end) => end()));
      if (producer) await producer.disconnect();
    },
  };
  return client;
}
