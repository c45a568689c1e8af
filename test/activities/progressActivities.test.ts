import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Kafka, Producer } from 'kafkajs';
import { callAllowances } from '../../activities/callAllowances';
import { createActivities } from '../../activities/createActivities';
import { callEstimate } from '../../workflows/runBudget';
import type { ProgressDraft } from '../../activities/progressPublisher';
import { progressEventId } from '../../src/contracts/eventId';
import { researchProgressSchema } from '../../src/contracts/researchProgress';
import { createOpenAIClient } from '../../src/llm/openaiClientFactory';
import { PriceTable } from '../../src/llm/priceTable';
import { createLogger, silentLogger } from '../../src/logging/logger';
import { createLocalCorpusSearch } from '../../src/search/localCorpusSearch';
import { defaultCorpusDirectory } from '../../src/search/searchProviderFromConfig';
import { ensureTopics } from '../../src/kafka/topicProvisioner';
import { startStandInServer, type StandInServer } from '../../dev/standIn';
import { testKafka, uniqueName } from '../support/testInfrastructure';
import { TopicRecorder } from '../support/topicRecorder';
import { tearDown } from '../support/teardown';

const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

function draft(sequence: number, step: ProgressDraft['step'], extra: Partial<ProgressDraft> = {}): ProgressDraft {
  return {
    requestId: 'p1', workflowId: 'research-p1', runId: 'run-1', traceId: '4bf92f3577b34da6a3ce929d0e0e4736', sequence, step,
    searches: { planned: 2, done: 0, succeeded: 0, failed: 0 }, usage: { inputTokens: 1, outputTokens: 2, estimatedCostUsd: 0.00001 }, at: new Date().toISOString(), ...extra,
  };
}

describe('the progress activity and the budget allowances, one at a time', () => {
  let standIn: StandInServer;
  let kafka: Kafka;
  let producer: Producer;
  let deps: Parameters<typeof createActivities>[0];
  const env = new MockActivityEnvironment();
  const run = <A extends unknown[], R>(activity: (...args: A) => Promise<R>, ...args: A): Promise<R> => env.run<A, R, (...args: A) => Promise<R>>(activity, ...args);

  before(async () => {
    standIn = await startStandInServer();
    kafka = testKafka();
    producer = kafka.producer();
    await producer.connect();
    deps = {
      openai: createOpenAIClient({ baseUrl: standIn.baseUrl, timeoutMs: 5000, maxRetries: 0 }),
      searchProvider: await createLocalCorpusSearch({ directory: defaultCorpusDirectory }),
      producer,
      topics: { requested: 'r', completed: 'c', failed: 'f', deadLetter: 'd', progress: uniqueName('progress'), cancel: 'x' },
      models: { planner: 'gpt-4.1', searcher: 'gpt-4.1-mini', writer: 'gpt-4.1' },
      prices: PriceTable.fromEnv({}),
      logger: silentLogger,
      runSettings: { searchConcurrency: 5, llmActivityTimeoutMs: 60_000, llmActivityAttempts: 1, llmRetryInitialMs: 100 },
      heartbeatIntervalMs: 60_000,
    };
  });
  // Also after a failed before(): what never started is skipped, and the stand-in stops whatever the producer did.
  after(() =>
    tearDown(
      () => producer?.disconnect(),
      () => standIn?.stop(),
    ),
  );

  it('publishes a batch in order, keyed by request id, with CloudEvents headers, the request’s trace and one event id per step', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [deps.topics.progress], 3);
    await admin.disconnect();
    const recorder = await TopicRecorder.start(kafka, [deps.topics.progress]);
    try {
      const batch = [draft(1, 'planned'), draft(2, 'searched', { search: { number: 2, succeeded: false }, searches: { planned: 2, done: 1, succeeded: 0, failed: 1 } }), draft(3, 'searched', { search: { number: 1, succeeded: true }, searches: { planned: 2, done: 2, succeeded: 1, failed: 1 } })];
      const activities = createActivities(deps);
      assert.deepEqual(await run(activities.publishProgress, batch, { traceparent }), { published: 3, topic: deps.topics.progress });
      await run(activities.publishProgress, batch.slice(0, 1), { traceparent });
      const records = await recorder.waitFor(deps.topics.progress, 4);
      assert.equal(new Set(records.map((record) => record.partition)).size, 1, 'one partition: the run’s steps stay in order');
      const events = records.map((record) => researchProgressSchema.parse(JSON.parse(record.value.toString())));
      assert.deepEqual(events.map((event) => event.sequence), [1, 2, 3, 1]);
      assert.ok(records.every((record) => record.key === 'p1' && record.headers.ce_type === 'research.progress.v1' && record.headers.traceparent === traceparent));
      assert.deepEqual(records.map((record) => record.headers.ce_id), events.map((event) => event.eventId));
      assert.equal(events[1]?.eventId, progressEventId('research.progress.v1', 'research-p1', 'run-1', 'searched-2'));
      assert.equal(events[3]?.eventId, events[0]?.eventId, 'a step published twice carries the same id');
      assert.equal(new Set(events.slice(0, 3).map((event) => event.eventId)).size, 3);
    } finally {
      await recorder.stop();
    }
  });

  it('gives up after its wait when Kafka does not answer, and says so in a warning bound to the run', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'warn', name: 'progress', write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
    const silent = { send: () => new Promise<never>(() => undefined) } as unknown as Producer;
    const activities = createActivities({ ...deps, producer: silent, logger, progressWaitMs: 300 });
    const started = Date.now();
    await assert.rejects(run(activities.publishProgress, [draft(1, 'planned')], { traceparent }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'PublishError');
      assert.match(error.message, /did not answer within 300 ms/);
      return true;
    });
    assert.ok(Date.now() - started < 2000, 'bounded by the wait, not by kafkajs’s retries');
    assert.deepEqual(lines.map(({ msg, requestId, workflowId, steps }) => ({ msg, requestId, workflowId, steps })), [{ msg: 'publishing progress failed; the run goes on without it', requestId: 'p1', workflowId: 'research-p1', steps: ['planned'] }]);
  });

  it('a batch the topic refuses for good (records over its size limit) fails for good: no second attempt', async () => {
    const topic = uniqueName('tiny-progress');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '64' }] }], waitForLeaders: true });
    await admin.disconnect();
    const activities = createActivities({ ...deps, topics: { ...deps.topics, progress: topic } });
    await assert.rejects(run(activities.publishProgress, [draft(1, 'planned')], { traceparent }), (error: unknown) => {
      assert.ok(error instanceof ApplicationFailure);
      assert.equal(error.type, 'EventInvalidError');
      assert.equal(error.nonRetryable, true);
      return true;
    });
  });

  it('allows each agent more than its call on the stand-in used: the estimates are conservative', async () => {
    const allowances = callAllowances(deps.models, deps.prices, deps.searchProvider);
    const activities = createActivities(deps);
    const query = 'How do Kafka consumer groups rebalance when a member leaves?';
    const estimate = (agent: 'planner' | 'searcher' | 'writer', variableChars: number) => callEstimate(allowances, agent, variableChars);
    const covers = (agent: string, usage: { inputTokens: number; outputTokens: number; estimatedCostUsd: number }, allowed: { tokens: number; costUsd: number }) => {
      assert.ok(allowed.tokens >= usage.inputTokens + usage.outputTokens, `${agent}: ${allowed.tokens} tokens allowed for ${usage.inputTokens + usage.outputTokens} used`);
      assert.ok(allowed.costUsd >= usage.estimatedCostUsd, `${agent}: $${allowed.costUsd} allowed for $${usage.estimatedCostUsd}`);
    };
    const plan = await run(activities.planSearches, { query, maxSearches: 20 });
    covers('planner', plan.usage, estimate('planner', query.length));
    const [first] = plan.searches;
    assert.ok(first);
    const search = await run(activities.runSearch, { query: first.query, reason: first.reason });
    covers('searcher', search.usage, estimate('searcher', first.query.length + first.reason.length));
    const findings = [{ query: first.query, summary: search.summary }];
    const written = await run(activities.writeReport, { query, findings });
    covers('writer', written.usage, estimate('writer', query.length + first.query.length + search.summary.length));
    assert.equal(allowances.searcher.inputUsdPerToken, 0.4 / 1e6, 'priced from the price table');
    assert.equal(callAllowances(deps.models, deps.prices, { name: 'openai-web-search' }).searcher.promptTokens - allowances.searcher.promptTokens, 6000, 'hosted web search allows for its 8,000-token content block');
  });
});
