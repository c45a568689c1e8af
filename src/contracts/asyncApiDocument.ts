import { z } from 'zod';
import { cloudEventHeaders } from './cloudEventHeaders';
import { deadLetterHeadersSchema } from './deadLetterRecord';
import { researchCancelSchema, researchCancelType } from './researchCancel';
import { researchCompletedSchema, researchCompletedType } from './researchCompleted';
import { researchFailedSchema, researchFailedType } from './researchFailed';
import { researchProgressSchema, researchProgressType } from './researchProgress';
import { researchRequestedSchema, researchRequestedType } from './researchRequested';

const schemaFormat = 'application/schema+json;version=draft-07';

/** The topic names of the document: the defaults; deployments may rename them (TOPIC_*). */
const topics = { requested: 'research.requested', cancel: 'research.cancel', completed: 'research.completed', failed: 'research.failed', deadLetter: 'research.requested.dlq', progress: 'research.progress' };

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): object {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { target: 'draft-7', io }) as Record<string, unknown>;
  return { schemaFormat, schema: rest };
}

/** Headers every event carries: CloudEvents binary mode plus W3C trace context. */
function eventHeaders(type: string): object {
  const names = Object.keys(cloudEventHeaders({ id: '', source: '', type, time: '' }));
  return {
    type: 'object',
    properties: {
      ...Object.fromEntries(names.map((name) => [name, { type: 'string', ...(name === 'ce_type' ? { const: type } : {}), ...(name === 'ce_specversion' ? { const: '1.0' } : {}) }])),
      traceparent: { type: 'string', description: 'W3C trace context: the request’s trace.' },
      tracestate: { type: 'string' },
    },
  };
}

/** What research-relay does on each channel. */
function asyncApiOperations(): object {
  return {
    receiveResearchRequest: {
      action: 'receive',
      channel: { $ref: '#/channels/researchRequested' },
      summary: 'Each valid request becomes exactly one research run (workflow id research-<requestId>).',
      messages: [{ $ref: '#/channels/researchRequested/messages/researchRequested' }],
    },
    receiveResearchCancel: {
      action: 'receive',
      channel: { $ref: '#/channels/researchCancel' },
      summary: 'Cancels the request\'s live run (research-<requestId>): in-flight model calls are aborted and the run publishes one research.failed with cancelled: true, its stage and the reason. A cancel for a finished run or a request id without a run changes nothing and never starts a run.',
      description:
        'On a topic of its own (TOPIC_CANCEL), so that the right to cancel is an ACL of its own; every record there is read as a cancel (a record without ce_type too). Key it by the requestId. A cancel that arrives before its request waits for the request\'s run for CANCEL_WAIT_FOR_RUN_MS (from its timestamp), then finds no run and is not remembered. With CANCEL_REQUIRE_SAME_REQUESTER, its requestedBy must be the request\'s, else it is dead-lettered as cancel-refused. Cancels on the requests topic (the 0.4 way, told apart by ce_type) are dead-lettered as cancel-not-allowed unless CANCELS_ON_REQUESTS_TOPIC=true; with CANCELS_ENABLED=false every cancel is. Replay and DLQ redrive never deliver cancels.',
      messages: [{ $ref: '#/channels/researchCancel/messages/researchCancel' }],
    },
    sendResearchCompleted: {
      action: 'send',
      channel: { $ref: '#/channels/researchCompleted' },
      summary: 'The report, searches, usage and timings of a finished run.',
      messages: [{ $ref: '#/channels/researchCompleted/messages/researchCompleted' }],
    },
    sendResearchFailed: {
      action: 'send',
      channel: { $ref: '#/channels/researchFailed' },
      summary: 'A run that ended without a report: the stage and the error (BudgetExceededError when its budget stopped it), and what it spent.',
      messages: [{ $ref: '#/channels/researchFailed/messages/researchFailed' }],
    },
    sendResearchProgress: {
      action: 'send',
      channel: { $ref: '#/channels/researchProgress' },
      summary:
        'Where a run is: planned (with the number of searches), each search done or failed (i of N), writing, published — with the usage so far. Best effort: while Kafka is away progress may be dropped; result events never are.',
      messages: [{ $ref: '#/channels/researchProgress/messages/researchProgress' }],
    },
    sendDeadLetter: {
      action: 'send',
      channel: { $ref: '#/channels/researchRequestedDlq' },
      summary: 'A request that cannot be processed: the original key, bytes and headers, plus the reason.',
      messages: [{ $ref: '#/channels/researchRequestedDlq/messages/deadLetter' }],
    },
  };
}

const kafkaKey = (description: string) => ({ kafka: { key: { type: 'string', description }, bindingVersion: '0.5.0' } });

/**
 * The AsyncAPI 3.0 description of research-relay's topics, generated from the zod schemas
 * (checked in as src/contracts/asyncapi.yaml; `npm test` fails when it is stale).
 */
export function asyncApiDocument(): object {
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'research-relay',
      version: '1.0.0',
      description:
        'Kafka events in, durable AI research runs on Temporal, results back to Kafka. Upstream systems send research.requested (and research.cancel.v1 on research.cancel to cancel a run); research-relay answers on research.completed or research.failed (key = requestId; dedupe on eventId), reports each run’s steps on research.progress, and dead-letters unusable requests on research.requested.dlq.',
    },
    defaultContentType: 'application/json',
    channels: {
      researchRequested: {
        address: topics.requested,
        messages: { researchRequested: { $ref: '#/components/messages/researchRequested' } },
      },
      researchCancel: { address: topics.cancel, messages: { researchCancel: { $ref: '#/components/messages/researchCancel' } } },
      researchCompleted: { address: topics.completed, messages: { researchCompleted: { $ref: '#/components/messages/researchCompleted' } } },
      researchFailed: { address: topics.failed, messages: { researchFailed: { $ref: '#/components/messages/researchFailed' } } },
      researchProgress: { address: topics.progress, messages: { researchProgress: { $ref: '#/components/messages/researchProgress' } } },
      researchRequestedDlq: { address: topics.deadLetter, messages: { deadLetter: { $ref: '#/components/messages/deadLetter' } } },
    },
    operations: asyncApiOperations(),
    components: {
      messages: {
        researchRequested: {
          name: researchRequestedType,
          title: 'Research requested',
          contentType: 'application/json',
          headers: eventHeaders(researchRequestedType),
          payload: jsonSchema(researchRequestedSchema, 'input'),
          bindings: kafkaKey('The requestId.'),
        },
        researchCancel: {
          name: researchCancelType,
          title: 'Research cancel',
          contentType: 'application/json',
          headers: eventHeaders(researchCancelType),
          payload: jsonSchema(researchCancelSchema, 'input'),
          bindings: kafkaKey('The requestId of the run to cancel.'),
        },
        researchCompleted: {
          name: researchCompletedType,
          title: 'Research completed',
          contentType: 'application/json',
          headers: eventHeaders(researchCompletedType),
          payload: jsonSchema(researchCompletedSchema, 'output'),
          bindings: kafkaKey('The requestId.'),
        },
        researchFailed: {
          name: researchFailedType,
          title: 'Research failed',
          contentType: 'application/json',
          headers: eventHeaders(researchFailedType),
          payload: jsonSchema(researchFailedSchema, 'output'),
          bindings: kafkaKey('The requestId.'),
        },
        researchProgress: {
          name: researchProgressType,
          title: 'Research progress',
          contentType: 'application/json',
          headers: eventHeaders(researchProgressType),
          payload: jsonSchema(researchProgressSchema, 'output'),
          bindings: kafkaKey('The requestId (so one run’s steps stay on one partition, in order).'),
        },
        deadLetter: {
          name: 'research.requested.dlq',
          title: 'Dead-lettered request',
          summary: 'The value is the original bytes, unchanged (not necessarily JSON).',
          contentType: 'application/octet-stream',
          headers: jsonSchema(deadLetterHeadersSchema, 'output'),
          payload: { type: 'string', description: 'The original record value, byte for byte.' },
          bindings: kafkaKey('The original key (may be absent).'),
        },
      },
    },
  };
}
