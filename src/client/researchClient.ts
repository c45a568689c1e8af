import { randomUUID } from 'node:crypto';
import { context, propagation, ROOT_CONTEXT, SpanKind } from '@opentelemetry/api';
import type { Kafka, Producer } from 'kafkajs';
import { loadRelayConfig, type KafkaSettings, type TopicNames } from '../config/relayConfig';
import { cloudEventHeaders } from '../contracts/cloudEventHeaders';
import { researchRequestedSchema, researchRequestedType, type ResearchRequested } from '../contracts/researchRequested';
import { createKafka } from '../kafka/kafkaClient';
import { silentLogger, type Logger } from '../logging/logger';
import { sleepUnlessAborted } from '../retry/backoff';
import { activeTraceHeaders } from '../telemetry/kafkaTraceContext';
import { newTraceparent } from '../telemetry/newTraceparent';
import { relayTracer } from '../telemetry/tracer';
import { RecentIds } from './recentIds';
import { parseResultEvent, type ResultEvent } from './resultEvent';

export interface ResearchClientOptions {
  /** Kafka bootstrap brokers, e.g. ['127.0.0.1:9092']; default: KAFKA_BROKERS. */
  readonly brokers?: readonly string[];
  readonly clientId?: string;
  readonly ssl?: boolean;
  readonly sasl?: KafkaSettings['sasl'];
  /** Topic names; default: the TOPIC_* variables, else research.requested / .completed / .failed. */
  readonly topics?: Partial<TopicNames>;
  readonly logger?: Logger;
  /** An existing kafkajs client to use instead of building one from these options. */
  readonly kafka?: Kafka;
}

export interface ResearchRequestInput {
  readonly query: string;
  /** Default: a new UUID. Re-sending the same id never starts a second run. */
  readonly requestId?: string;
  readonly requestedBy?: string;
  readonly maxSearches?: number;
  readonly metadata?: Record<string, string>;
  /** The W3C trace to continue; default: the active span's, else a new trace. */
  readonly traceparent?: string;
}

export interface SentRequest {
  readonly requestId: string;
  readonly traceId: string;
  readonly traceparent: string;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

export interface SubscribeOptions {
  /** Read results already on the topics (default false: only new ones). */
  readonly fromBeginning?: boolean;
  /** Only results of this request. */
  readonly requestId?: string;
  /** Consumer group; default a fresh one, so every subscriber sees every result. */
  readonly groupId?: string;
  readonly signal?: AbortSignal;
}

/**
 * The typed library for upstream systems (request) and subscribers (subscribe).
 *
 * @example
 * const client = createResearchClient({ brokers: ['127.0.0.1:9092'] });
 * const sent = await client.request({ query: 'How do heat pumps perform in cold climates?' });
 * for await (const result of client.subscribe({ requestId: sent.requestId })) {
 *   if (result.kind === 'completed') console.log(result.event.report.shortSummary);
 *   break;
 * }
 * await client.close();
 */
export interface ResearchClient {
  request(input: ResearchRequestInput): Promise<SentRequest>;
  subscribe(options?: SubscribeOptions): AsyncIterableIterator<ResultEvent>;
  /** Waits for the result of one request (reads the result topics from the beginning). */
  waitForResult(requestId: string, options?: { timeoutMs?: number; signal?: AbortSignal }): Promise<ResultEvent>;
  close(): Promise<void>;
}

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
      const request: ResearchRequested = researchRequestedSchema.parse({
        requestId: input.requestId ?? randomUUID(),
        query: input.query,
        ...(input.requestedBy ? { requestedBy: input.requestedBy } : {}),
        ...(input.maxSearches !== undefined ? { maxSearches: input.maxSearches } : {}),
        ...(input.metadata ? { metadata: input.metadata } : {}),
        submittedAt: new Date().toISOString(),
      });
      // The request's trace: the given traceparent, else the caller's active span, else a new
      // trace. With telemetry on, the kafkajs instrumentation writes the send span's context
      // into the headers, which continues the same trace.
      const parent = input.traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent: input.traceparent }) : context.active();
      return relayTracer().startActiveSpan('research.request', { kind: SpanKind.PRODUCER, attributes: { 'research.request_id': request.requestId } }, parent, async (span) => {
        try {
          const traceparent = activeTraceHeaders()?.traceparent ?? input.traceparent ?? newTraceparent();
          const headers = {
            ...cloudEventHeaders({ id: randomUUID(), source: options.clientId ?? 'research-relay/client', type: researchRequestedType, time: new Date().toISOString() }),
            traceparent,
          };
          const sent = await (await connectedProducer()).send({
            topic: topics.requested,
            acks: -1,
            messages: [{ key: request.requestId, value: JSON.stringify(request), headers }],
          });
          const metadata = sent[0];
          return {
            requestId: request.requestId,
            traceparent,
            traceId: traceparent.split('-')[1] ?? '',
            topic: topics.requested,
            partition: metadata?.partition ?? 0,
            offset: metadata?.baseOffset ?? '0',
          };
        } finally {
          span.end();
        }
      });
    },

    subscribe(subscribeOptions = {}) {
      const consumer = kafka.consumer({ groupId: subscribeOptions.groupId ?? `research-relay-subscriber-${randomUUID()}`, maxWaitTimeInMs: 500 });
      const queue: ResultEvent[] = [];
      const waiters: (() => void)[] = [];
      const seen = new RecentIds();
      let ended = false;
      let failure: unknown;
      const wake = (): void => {
        for (const waiter of waiters.splice(0)) waiter();
      };
      const end = async (): Promise<void> => {
        if (ended) return;
        ended = true;
        wake();
        subscriptions.delete(end);
        await consumer.disconnect();
      };
      subscriptions.add(end);
      subscribeOptions.signal?.addEventListener('abort', () => void end(), { once: true });
      const started = (async () => {
        await consumer.connect();
        await consumer.subscribe({ topics: [topics.completed, topics.failed], fromBeginning: subscribeOptions.fromBeginning ?? false });
        await consumer.run({
          eachMessage: ({ topic, message }) => {
            const result = parseResultEvent(topic === topics.completed ? 'completed' : 'failed', message.value);
            if (!result) return Promise.resolve();
            if (subscribeOptions.requestId && result.event.requestId !== subscribeOptions.requestId) return Promise.resolve();
            if (!seen.firstTime(result.event.eventId)) return Promise.resolve();
            queue.push(result);
            wake();
            return Promise.resolve();
          },
        });
      })().catch((error: unknown) => {
        failure = error;
        void end();
      });
      const iterator: AsyncIterableIterator<ResultEvent> = {
        async next() {
          await started;
          for (;;) {
            const item = queue.shift();
            if (item) return { value: item, done: false };
            if (failure) throw failure instanceof Error ? failure : new Error('the subscription failed', { cause: failure });
            if (ended) return { value: undefined, done: true };
            await new Promise<void>((resolve) => waiters.push(resolve));
          }
        },
        async return() {
          await end();
          return { value: undefined, done: true };
        },
        [Symbol.asyncIterator]() {
          return iterator;
        },
      };
      return iterator;
    },

    async waitForResult(requestId, waitOptions = {}) {
      const abort = new AbortController();
      const timeoutMs = waitOptions.timeoutMs ?? 600_000;
      waitOptions.signal?.addEventListener('abort', () => abort.abort(), { once: true });
      const timer = sleepUnlessAborted(timeoutMs, abort.signal).then(() => abort.abort());
      try {
        for await (const result of client.subscribe({ requestId, fromBeginning: true, signal: abort.signal })) return result;
        throw new Error(waitOptions.signal?.aborted ? `waiting for ${requestId} was cancelled` : `no result for ${requestId} within ${timeoutMs / 1000}s`);
      } finally {
        abort.abort();
        await timer;
      }
    },

    async close() {
      await Promise.all([...subscriptions].map((end) => end()));
      if (producer) await producer.disconnect();
    },
  };
  return client;
}
