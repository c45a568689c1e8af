import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import type { FailedDraft } from '../../activities/completionPublisher';
import { createActivities } from '../../activities/createActivities';
import { createKafka } from '../../src/kafka/kafkaClient';
import { createOpenAIClient } from '../../src/llm/openaiClientFactory';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { eventually } from '../support/eventually';
import { testConfig } from '../support/testInfrastructure';
import { createLocalCorpusSearch } from '../../src/search/localCorpusSearch';
import { defaultCorpusDirectory } from '../../src/search/searchProviderFromConfig';
import { startStandInServer, type StandInServer } from '../../dev/standIn';
import { testActivityDependencies } from '../support/testActivityDependencies';

describe('the agent activities, one at a time', () => {
  let standIn: StandInServer;
  let activities: ReturnType<typeof createActivities>;
  let deps: Parameters<typeof createActivities>[0];
  const env = new MockActivityEnvironment();
  // Runs an activity the way a worker would (activity context, cancellation), keeping its types.
  const run = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run<A, R, (...args: A) => Promise<R>>(activity, ...args);

  before(async () => {
    standIn = await startStandInServer();
    deps = testActivityDependencies(standIn.baseUrl, await createLocalCorpusSearch({ directory: defaultCorpusDirectory }));
    activities = createActivities(deps);
  });
  after(async () => {
    await standIn.stop();
  });

  it('the planner plans the number of searches the request caps it to, and prices its tokens', async () => {
    standIn.setFaults({ rules: [] });
    const plan = await run(activities.planSearches, { query: 'How does Kafka retain data?', maxSearches: 3 });
    assert.equal(plan.searches.length, 3);
    const call = standIn.calls().at(-1);
    assert.equal(plan.usage.inputTokens, call?.usage?.inputTokens);
    assert.equal(plan.usage.estimatedCostUsd, (plan.usage.inputTokens * 2 + plan.usage.outputTokens * 8) / 1e6);
  });

  it('a searcher grounds its summary in the local corpus and returns the passages as sources', async () => {
    const result = await run(activities.runSearch, { query: 'consumer offsets commit', reason: 'to learn how commits work' });
    assert.ok(result.summary.length > 0);
    assert.ok(result.sources.length > 0 && result.sources.every((source) => source.url.startsWith('file://')));
    assert.equal(result.searchProvider, 'local-corpus');
  });

  it('a 503 becomes a retryable failure that carries the Retry-After delay', async () => {
    standIn.setFaults({ rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'status', status: 503, retryAfterSeconds: 7 }] }] });
    await assert.rejects(run(activities.planSearches, { query: 'q' }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'ModelRequestError');
      assert.equal(error.nonRetryable, false);
      assert.equal(error.nextRetryDelay, 7000);
      return true;
    });
  });

  it('a 401 fails for good: another attempt cannot fix a bad key', async () => {
    standIn.setFaults({ rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'status', status: 401 }] }] });
    await assert.rejects(run(activities.planSearches, { query: 'q' }), (error: unknown) => error instanceof ApplicationFailure && error.nonRetryable === true);
  });

  it('a cancelled activity aborts its model call at once', async () => {
    const cancellable = new MockActivityEnvironment();
    standIn.setFaults({ rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'delay', ms: 10_000 }] }] });
    standIn.resetCalls();
    // A patient client: only the cancellation, not a client timeout, can end this call early.
    const patient = createActivities({ ...deps, openai: createOpenAIClient({ baseUrl: standIn.baseUrl, timeoutMs: 60_000, maxRetries: 0 }) });
    const running = cancellable.run(patient.planSearches, { query: 'Will this ever finish?' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    cancellable.cancel('CANCELLED');
    await assert.rejects(running, (error: unknown) => error instanceof CancelledFailure);
    // The call was held for 10 s: only a client that left ends it as 499 within 5 s.
    await eventually(() => standIn.calls().some((call) => call.status === 499) || undefined, 5000, 'the model server to see the client leave');
    assert.deepEqual(standIn.calls().map((call) => call.status), [499], 'one call, abandoned by its client');
  });

  it('an answer that violates the schema is asked for again, and the retry succeeds', async () => {
    standIn.setFaults({ rules: [{ match: { formatName: 'research_report' }, sequence: [{ kind: 'schemaViolation' }] }] });
    standIn.resetCalls();
    const written = await run(activities.writeReport, { query: 'q', findings: [{ query: 'a', summary: 'b' }] });
    assert.ok(written.report.markdownReport.length > 0);
    assert.equal(written.usage.calls, 2, 'both answers are counted, the rejected one too');
    assert.deepEqual(standIn.calls().map((call) => call.fault ?? 'ok'), ['schemaViolation', 'ok']);
  });

  it('a result event that fails its own schema fails for good (EventInvalidError), so research.failed can take its place', async () => {
    const draft = { requestId: 'bad', workflowId: 'w', runId: 'r', traceId: 't', query: 'q' } as unknown as Parameters<typeof activities.publishCompleted>[0];
    await assert.rejects(run(activities.publishCompleted, draft, {}), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'EventInvalidError');
      assert.equal(error.nonRetryable, true);
      assert.match(error.message, /fails its schema/);
      return true;
    });
  });

  it('a publish kafkajs gives up on after its own retries (brokers away, topic missing) stays retryable: the run keeps trying, and says so in a line bound to the run', async () => {
    // A real producer that may not create topics, sending to a topic that does not exist:
    // kafkajs retries, then throws KafkaJSNumberOfRetriesExceeded (which says retriable: false).
    const kafka = createKafka(testConfig().kafka, silentLogger, 'missing-topic', { retries: 1, initialRetryTime: 100, maxRetryTime: 200 });
    const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 1, initialRetryTime: 100 } });
    await producer.connect();
    try {
      const lines: Record<string, unknown>[] = [];
      const logger = createLogger({ level: 'warn', name: 'activities', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
      const publisher = createActivities({ ...deps, producer, logger, topics: { ...deps.topics, failed: `missing-${randomUUID()}` } });
      await assert.rejects(run(publisher.publishFailed, failedDraft(), {}), (error: unknown) => {
        assert.ok(error instanceof ApplicationFailure);
        assert.equal(error.type, 'PublishError');
        assert.equal(error.nonRetryable, false, 'Temporal retries it until Kafka takes it');
        return true;
      });
      assert.deepEqual(
        lines.map(({ msg, requestId, workflowId }) => ({ msg, requestId, workflowId })),
        [{ msg: 'publishing a result failed; it is retried until Kafka takes it', requestId: 'r1', workflowId: 'research-r1' }],
      );
    } finally {
      await producer.disconnect();
    }
  });

  it('a result Kafka refuses for good (MESSAGE_TOO_LARGE) fails for good too, so research.failed takes its place instead of endless retries', async () => {
    const refusing = { send: () => Promise.reject(Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE', retriable: false })) } as unknown as Producer;
    const publisher = createActivities({ ...deps, producer: refusing });
    await assert.rejects(run(publisher.publishFailed, failedDraft(), {}), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'EventInvalidError');
      assert.equal(error.nonRetryable, true);
      return true;
    });
  });
});

function failedDraft(): FailedDraft {
  return {
    requestId: 'r1', workflowId: 'research-r1', runId: 'run-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', query: 'q',
    stage: 'publish', cancelled: false, error: { type: 'X', message: 'y' }, usage: { total: { inputTokens: 0, outputTokens: 0, estimatedCostUsd: 0 } }, failedAt: new Date().toISOString(),
  };
}
