import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { createResearchClient, type ResearchClient } from '../../../src/client/researchClient';
import type { ResultEvent } from '../../../src/client/resultEvent';
import type { RunEvent } from '../../../src/client/runEvent';
import type { ResearchProgressEvent } from '../../../src/contracts/researchProgress';
import { ensureTopics } from '../../../src/kafka/topicProvisioner';
import { eventually, testKafka, uniqueName } from '../../support/testInfrastructure';
import { tearDown } from '../../support/teardown';
import { TopicRecorder } from '../../support/topicRecorder';

const completedEvent = (requestId: string, eventId: string) => ({
  eventId,
  requestId,
  workflowId: `research-${requestId}`,
  runId: '01a212ab-512d-7e89-a0f2-8f01cd02b7b4',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  query: 'q',
  report: { shortSummary: 's', markdownReport: '# r', followUpQuestions: ['f?'] },
  searches: [],
  searchProvider: 'local-corpus',
  usage: { total: { inputTokens: 1, outputTokens: 1, estimatedCostUsd: 0 } },
  timings: { startedAt: '2026-11-25T12:00:00.000Z', completedAt: '2026-11-25T12:00:01.000Z', durationMs: 1000, stages: { planMs: 1, searchMs: 1, writeMs: 1 } },
  models: { planner: 'p', searcher: 's', writer: 'w' },
});

const progressEvent = (requestId: string, sequence: number, step: ResearchProgressEvent['step'], done = 0): ResearchProgressEvent => ({
  eventId: `${requestId}-p${sequence}`,
  requestId,
  workflowId: `research-${requestId}`,
  runId: '01a212ab-512d-7e89-a0f2-8f01cd02b7b4',
  traceId: '0af7651916cd43dd8448eb211c80319c',
  sequence,
  step,
  searches: { planned: 2, done, succeeded: done, failed: 0 },
  usage: { inputTokens: sequence, outputTokens: sequence, estimatedCostUsd: 0 },
  at: '2026-11-25T12:00:00.000Z',
});

describe('the typed research client (library)', () => {
  const kafka = testKafka();
  const id = uniqueName('client');
  const topics = { requested: `${id}.requested`, completed: `${id}.completed`, failed: `${id}.failed`, deadLetter: `${id}.dlq`, progress: `${id}.progress` };
  let admin: Admin;
  let producer: Producer;
  let client: ResearchClient;

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, Object.values(topics), 1);
    producer = kafka.producer();
    await producer.connect();
    client = createResearchClient({ brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), topics });
  });
  // Also after a failed before(): a client never created is skipped, and the admin still disconnects.
  after(() =>
    tearDown(
      () => client?.close(),
      () => producer?.disconnect(),
      () => admin?.disconnect(),
    ),
  );

  it('request() produces a valid request keyed by its id, with CloudEvents headers and a traceparent', async () => {
    const recorder = await TopicRecorder.start(kafka, [topics.requested]);
    try {
      const sent = await client.request({ requestId: 'lib-1', query: 'What is KRaft?', metadata: { team: 'infra' }, maxSearches: 3 });
      const [record] = await recorder.waitFor(topics.requested, 1);
      assert.equal(record?.key, 'lib-1');
      assert.deepEqual(JSON.parse(record?.value.toString() ?? '{}'), { requestId: 'lib-1', query: 'What is KRaft?', metadata: { team: 'infra' }, maxSearches: 3, submittedAt: (JSON.parse(record?.value.toString() ?? '{}') as { submittedAt: string }).submittedAt });
      assert.equal(record?.headers.ce_type, 'research.requested.v1');
      assert.equal(record?.headers.ce_specversion, '1.0');
      assert.equal(record?.headers.traceparent?.split('-')[1], sent.traceId);
      await assert.rejects(client.request({ requestId: 'bad id', query: 'q' }), /requestId must be/);
      await client.request({ requestId: 'lib-budget', query: 'What does a budget look like?', budget: { maxCostUsd: 0.25, maxTokens: 40_000 } });
      const [budgeted] = await recorder.waitFor(topics.requested, 1, (r) => r.key === 'lib-budget');
      assert.deepEqual((JSON.parse(budgeted?.value.toString() ?? '{}') as { budget?: unknown }).budget, { maxCostUsd: 0.25, maxTokens: 40_000 });
      await assert.rejects(client.request({ query: 'q', budget: { maxTokens: 0 } }), /maxTokens/);
    } finally {
      await recorder.stop();
    }
  });

  it('subscribe() yields validated results once per eventId and skips what is not a result', async () => {
    const seen: ResultEvent[] = [];
    const abort = new AbortController();
    const consuming = (async () => {
      for await (const result of client.subscribe({ fromBeginning: true, signal: abort.signal })) {
        seen.push(result);
        if (seen.length === 2) abort.abort();
      }
    })();
    const duplicate = JSON.stringify(completedEvent('dup', 'e-1'));
    await producer.send({
      topic: topics.completed,
      messages: [
        { key: 'dup', value: duplicate },
        { key: 'dup', value: duplicate }, // a publish that Temporal retried
        { key: 'junk', value: 'not an event' },
        { key: 'other', value: JSON.stringify(completedEvent('other', 'e-2')) },
      ],
    });
    await consuming;
    assert.deepEqual(seen.map((result) => [result.kind, result.event.eventId]), [['completed', 'e-1'], ['completed', 'e-2']]);
  });

  it('subscribe({ progress: true }) yields progress beside the results, once per eventId; without it, results only', async () => {
    const requestId = 'progressing';
    const abort = new AbortController();
    const withProgress: RunEvent[] = [];
    const resultsOnly: ResultEvent[] = [];
    const consuming = Promise.all([
      (async () => {
        for await (const update of client.subscribe({ requestId, fromBeginning: true, progress: true, signal: abort.signal })) {
          withProgress.push(update);
          if (update.kind === 'completed') break;
        }
      })(),
      (async () => {
        for await (const result of client.subscribe({ requestId, fromBeginning: true, signal: abort.signal })) {
          resultsOnly.push(result);
          break;
        }
      })(),
    ]);
    const planned = JSON.stringify(progressEvent(requestId, 1, 'planned'));
    await producer.send({ topic: topics.progress, messages: [{ key: requestId, value: planned }, { key: requestId, value: planned }, { key: requestId, value: '{"step":"nonsense"}' }, { key: requestId, value: JSON.stringify(progressEvent(requestId, 2, 'searched', 1)) }] });
    // The result only once the progress has been read: the topics are read side by side, in no order between them.
    await eventually(() => withProgress.length >= 2 || undefined, 30_000, 'the progress to be read');
    await producer.send({ topic: topics.completed, messages: [{ key: requestId, value: JSON.stringify(completedEvent(requestId, 'e-progressing')) }] });
    await consuming;
    abort.abort();
    assert.deepEqual(withProgress.map((update) => [update.kind, update.event.eventId]), [['progress', 'progressing-p1'], ['progress', 'progressing-p2'], ['completed', 'e-progressing']]);
    assert.deepEqual(resultsOnly.map((result) => result.kind), ['completed']);
  });

  it('waitForResult({ onProgress }) hands over the run’s progress until its result, each step once; a callback that throws breaks nothing', async () => {
    const requestId = 'waited';
    await producer.send({ topic: topics.progress, messages: [{ key: 'someone-else', value: JSON.stringify(progressEvent('someone-else', 1, 'planned')) }] });
    await producer.send({ topic: topics.progress, messages: [1, 2, 3].map((sequence) => ({ key: requestId, value: JSON.stringify(progressEvent(requestId, sequence, sequence === 1 ? 'planned' : 'searched', sequence - 1)) })) });
    const steps: number[] = [];
    const waiting = client.waitForResult(requestId, {
      timeoutMs: 30_000,
      onProgress: (progress) => {
        steps.push(progress.sequence);
        if (progress.sequence === 2) throw new Error('a careless callback');
      },
    });
    await eventually(() => steps.length >= 3 || undefined, 30_000, 'the progress to reach the callback');
    await producer.send({ topic: topics.completed, messages: [{ key: requestId, value: JSON.stringify(completedEvent(requestId, 'e-waited')) }] });
    const result = await waiting;
    assert.equal(result.event.eventId, 'e-waited');
    assert.deepEqual(steps, [1, 2, 3], 'this request’s progress, each once, in order');
  });

  it('waitForResult() returns the result of one request, and times out clearly when there is none', async () => {
    const result = await client.waitForResult('other', { timeoutMs: 30_000 });
    assert.equal(result.event.eventId, 'e-2');
    await assert.rejects(client.waitForResult('nobody', { timeoutMs: 3000 }), /no result for nobody within 3s/);
  });
});
