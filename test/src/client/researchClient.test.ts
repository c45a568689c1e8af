import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Admin, Producer } from 'kafkajs';
import { createResearchClient, type ResearchClient } from '../../../src/client/researchClient';
import type { ResultEvent } from '../../../src/client/resultEvent';
import { ensureTopics } from '../../../src/kafka/topicProvisioner';
import { testKafka, uniqueName } from '../../support/testInfrastructure';
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

describe('the typed research client (library)', () => {
  const kafka = testKafka();
  const id = uniqueName('client');
  const topics = { requested: `${id}.requested`, completed: `${id}.completed`, failed: `${id}.failed`, deadLetter: `${id}.dlq` };
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
  after(async () => {
    await client.close();
    await producer.disconnect();
    await admin.disconnect();
  });

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

  it('waitForResult() returns the result of one request, and times out clearly when there is none', async () => {
    const result = await client.waitForResult('other', { timeoutMs: 30_000 });
    assert.equal(result.event.eventId, 'e-2');
    await assert.rejects(client.waitForResult('nobody', { timeoutMs: 3000 }), /no result for nobody within 3s/);
  });
});
