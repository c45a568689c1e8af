import assert from 'node:assert/strict';
import fs from 'node:fs';
import { describe, it } from 'node:test';
import { generatedContractFiles } from '../../../src/contracts/writeContractFiles';
import { progressEventId, resultEventId } from '../../../src/contracts/eventId';
import { asyncApiDocument } from '../../../src/contracts/asyncApiDocument';
import { researchCancelSchema } from '../../../src/contracts/researchCancel';
import { researchFailedSchema } from '../../../src/contracts/researchFailed';
import { researchRequestedSchema } from '../../../src/contracts/researchRequested';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { ConfigurationError } from '../../../src/errors';

describe('event contracts', () => {
  it('checked-in JSON Schema files match the zod schemas (run npm run contracts:generate when this fails)', () => {
    for (const [file, expected] of Object.entries(generatedContractFiles())) {
      assert.ok(fs.existsSync(file), `${file} exists`);
      assert.equal(fs.readFileSync(file, 'utf8'), expected, `${file} is up to date`);
    }
  });

  it('accepts a request id of letters, digits and ._:- up to 200 characters, and nothing else', () => {
    const ok = (requestId: string) => researchRequestedSchema.safeParse({ requestId, query: 'q' }).success;
    assert.equal(ok('a.b_c:d-9'), true);
    assert.equal(ok('x'.repeat(200)), true);
    assert.equal(ok('x'.repeat(201)), false);
    assert.equal(ok(''), false);
    assert.equal(ok('has space'), false);
    assert.equal(ok('slash/no'), false);
  });

  it('bounds the query, the searches and the metadata', () => {
    const parse = (extra: object) => researchRequestedSchema.safeParse({ requestId: 'r', query: 'q', ...extra }).success;
    assert.equal(parse({ query: 'x'.repeat(4000) }), true);
    assert.equal(parse({ query: 'x'.repeat(4001) }), false);
    assert.equal(parse({ query: '   ' }), false);
    assert.equal(parse({ maxSearches: 0 }), false);
    assert.equal(parse({ maxSearches: 21 }), false);
    assert.equal(parse({ metadata: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }), false);
    assert.equal(parse({ metadata: { team: 7 } }), false);
    assert.equal(parse({ submittedAt: 'yesterday' }), false);
    assert.equal(parse({ submittedAt: '2026-11-25T12:00:00Z', unknownField: 1 }), true);
  });

  it('a cancel names its request id and may give a reason of up to 1,000 characters; research.failed may carry it', () => {
    const parse = (value: object) => researchCancelSchema.safeParse(value).success;
    assert.equal(parse({ requestId: 'r' }), true);
    assert.equal(parse({ requestId: 'r', reason: 'x'.repeat(1000), requestedBy: 'ops', submittedAt: '2026-11-25T12:00:00Z', unknownField: 1 }), true);
    assert.equal(parse({ requestId: 'r', reason: 'x'.repeat(1001) }), false);
    assert.equal(parse({ requestId: 'r', reason: '  ' }), false);
    assert.equal(parse({ requestId: 'has space' }), false);
    assert.equal(parse({ reason: 'which one?' }), false);
    const failed = researchFailedSchema.shape;
    assert.equal(failed.cancelReason.safeParse(undefined).success, true, 'optional: older events and other failures have none');
    assert.equal(failed.cancelReason.safeParse('x'.repeat(1001)).success, false);
  });

  it('the AsyncAPI document describes the cancel on a channel of its own (research.cancel), received by its own operation', () => {
    const document = asyncApiDocument() as {
      channels: Record<string, { address: string; messages: Record<string, unknown> }>;
      operations: Record<string, { action: string; channel: { $ref: string }; messages: { $ref: string }[] }>;
      components: { messages: Record<string, { name: string; payload: { schema: { required?: string[] } } }> };
    };
    assert.deepEqual(Object.keys(document.channels.researchRequested?.messages ?? {}), ['researchRequested']);
    assert.equal(document.channels.researchCancel?.address, 'research.cancel');
    assert.deepEqual(Object.keys(document.channels.researchCancel?.messages ?? {}), ['researchCancel']);
    const operation = document.operations.receiveResearchCancel;
    assert.equal(operation?.action, 'receive');
    assert.equal(operation?.channel.$ref, '#/channels/researchCancel');
    assert.deepEqual(operation?.messages, [{ $ref: '#/channels/researchCancel/messages/researchCancel' }]);
    assert.equal(document.components.messages.researchCancel?.name, 'research.cancel.v1');
    assert.deepEqual(document.components.messages.researchCancel?.payload.schema.required, ['requestId']);
  });

  it('takes a budget of positive limits on a request, either or both, and refuses anything else', () => {
    const parse = (budget: unknown) => researchRequestedSchema.safeParse({ requestId: 'r', query: 'q', budget }).success;
    assert.equal(parse({ maxCostUsd: 0.25 }), true);
    assert.equal(parse({ maxTokens: 50_000 }), true);
    assert.equal(parse({ maxCostUsd: 1, maxTokens: 1 }), true);
    assert.equal(parse({}), true);
    assert.equal(parse({ maxCostUsd: 0 }), false);
    assert.equal(parse({ maxTokens: -5 }), false);
    assert.equal(parse({ maxTokens: 1.5 }), false);
    assert.equal(parse({ maxCostUsd: '1' }), false);
  });

  it('derives one progress event id per step of a run: the same on a retry, another for another step or run', () => {
    const id = progressEventId('research.progress.v1', 'research-a', 'run-1', 'searched-2');
    assert.equal(progressEventId('research.progress.v1', 'research-a', 'run-1', 'searched-2'), id);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(progressEventId('research.progress.v1', 'research-a', 'run-1', 'searched-3'), id);
    assert.notEqual(progressEventId('research.progress.v1', 'research-a', 'run-2', 'searched-2'), id);
    assert.notEqual(resultEventId('research.progress.v1', 'research-a', 'run-1'), id);
  });

  it('derives the same event id for a retried publish and a new one for another run or type', () => {
    const id = resultEventId('research.completed.v1', 'research-a', 'run-1');
    assert.equal(resultEventId('research.completed.v1', 'research-a', 'run-1'), id);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(resultEventId('research.completed.v1', 'research-a', 'run-2'), id);
    assert.notEqual(resultEventId('research.failed.v1', 'research-a', 'run-1'), id);
  });
});

describe('configuration', () => {
  it('names the bad variable and never echoes a secret', () => {
    assert.throws(
      () => loadRelayConfig({ INGEST_CONCURRENCY: 'lots', TEMPORAL_API_KEY: '' }),
      (error: unknown) => error instanceof ConfigurationError && /INGEST_CONCURRENCY="lots"/.test(error.message),
    );
    assert.throws(
      () => loadRelayConfig({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'hunter2', KAFKA_BROKERS: 'no port' }),
      (error: unknown) => error instanceof ConfigurationError && /KAFKA_BROKERS/.test(error.message) && !error.message.includes('hunter2'),
    );
    assert.throws(
      () => loadRelayConfig({ OPENAI_API_KEY: 'sk-abc', OPENAI_BASE_URL: 'not a url' }),
      (error: unknown) => error instanceof ConfigurationError && /OPENAI_BASE_URL/.test(error.message) && !error.message.includes('sk-abc'),
    );
  });

  it('uses the documented defaults when nothing is set', () => {
    const config = loadRelayConfig({});
    assert.deepEqual(config.topics, { requested: 'research.requested', completed: 'research.completed', failed: 'research.failed', deadLetter: 'research.requested.dlq', progress: 'research.progress', cancel: 'research.cancel' });
    assert.deepEqual(config.cancels, { enabled: true, onRequestsTopic: false, requireSameRequester: false, waitForRunMs: 30_000 }, 'cancels from their own topic only');
    assert.equal(config.run.defaultBudget, undefined, 'no budget unless one is set');
    assert.equal(config.temporal.workflowIdPrefix, 'research-');
    assert.equal(config.temporal.reusePolicy, 'reject-duplicate');
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
  });

  it('reads the default budget from BUDGET_MAX_COST_USD and BUDGET_MAX_TOKENS, either alone, and names a bad one', () => {
    assert.deepEqual(loadRelayConfig({ BUDGET_MAX_COST_USD: '0.5' }).run.defaultBudget, { maxCostUsd: 0.5 });
    assert.deepEqual(loadRelayConfig({ BUDGET_MAX_TOKENS: '200000' }).run.defaultBudget, { maxTokens: 200_000 });
    assert.deepEqual(loadRelayConfig({ BUDGET_MAX_COST_USD: '2', BUDGET_MAX_TOKENS: '10' }).run.defaultBudget, { maxCostUsd: 2, maxTokens: 10 });
    assert.throws(() => loadRelayConfig({ BUDGET_MAX_COST_USD: 'cheap' }), (error: unknown) => error instanceof ConfigurationError && /BUDGET_MAX_COST_USD="cheap"/.test(error.message));
    assert.throws(() => loadRelayConfig({ BUDGET_MAX_TOKENS: '0' }), (error: unknown) => error instanceof ConfigurationError && /BUDGET_MAX_TOKENS="0"/.test(error.message));
  });

  it('refuses a cancel topic that is another topic of the relay: the right to cancel would come with another right', () => {
    assert.throws(() => loadRelayConfig({ TOPIC_CANCEL: 'research.requested' }), (error: unknown) => error instanceof ConfigurationError && /TOPIC_CANCEL="research\.requested" is also TOPIC_REQUESTED/.test(error.message));
  });

  it('refuses a progress topic that is another topic of the relay: progress would land among requests (dead letters) or results', () => {
    assert.throws(() => loadRelayConfig({ TOPIC_PROGRESS: 'research.requested' }), (error: unknown) => error instanceof ConfigurationError && /TOPIC_PROGRESS="research\.requested" is also TOPIC_REQUESTED/.test(error.message));
    assert.throws(() => loadRelayConfig({ TOPIC_COMPLETED: 'team.out', TOPIC_PROGRESS: 'team.out' }), (error: unknown) => error instanceof ConfigurationError && /TOPIC_PROGRESS="team\.out" is also TOPIC_COMPLETED/.test(error.message));
    assert.equal(loadRelayConfig({ TOPIC_PROGRESS: 'team.progress' }).topics.progress, 'team.progress');
  });
});
