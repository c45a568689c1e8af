import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client, Connection } from '@temporalio/client';
import fc from 'fast-check';
import { CompressionTypes, type Consumer, type Kafka, type KafkaMessage, type Producer } from 'kafkajs';
import { prefixedNameVariables } from '../../../src/config/prefixedNames';
import type { RelayConfig } from '../../../src/config/relayConfig';
import { deadLetterHeaderNames, deadLetterHeadersSchema, deadLetterReasons } from '../../../src/contracts/deadLetterRecord';
import { researchCancelSchema } from '../../../src/contracts/researchCancel';
import { researchRequestedSchema } from '../../../src/contracts/researchRequested';
import type { MessageLocation } from '../../../src/intake/requestDecoder';
import { RequestIntake, type IntakeMode, type IntakeOutcome } from '../../../src/intake/requestIntake';
import { createKafka } from '../../../src/kafka/kafkaClient';
import { provisionRelayTopics } from '../../../src/kafka/topicProvisioner';
import { silentLogger } from '../../../src/logging/logger';
import { RequestsCatchUp } from '../../../consumers/requestsCatchUp';
import { produceWithConsoleProducer, type ConsoleCompression, type ConsoleRecord } from '../../support/consoleProducer';
import { asConsoleRecord, asKafkaMessage, headerObject, headerSize, makeRecord, recordArbitrary, type MadeRecord, type RecordSpec } from '../../support/hostileRecordArbitraries';
import { PipelineHarness } from '../../support/pipelineHarness';
import { tearDown } from '../../support/teardown';
import { testConfig, testTemporalClient, uniqueName } from '../../support/testInfrastructure';

/*
 * Property-based tests of the intake path with fast-check, on the real Kafka and Temporal: any
 * record a producer can send ends as a run, a duplicate, a cancel or one dead letter with a reason
 * of the contract, in bounded time, and never throws. Seeded: INTAKE_FUZZ_SEED (printed), the
 * number of cases INTAKE_FUZZ_RUNS and INTAKE_FUZZ_BATCH_RUNS; each property also stops at its
 * time limit (INTAKE_FUZZ_TIME_LIMIT_MS), so the file stays within about two minutes.
 */
const seed = Number(process.env.INTAKE_FUZZ_SEED ?? 20_260_101);
const recordRuns = Number(process.env.INTAKE_FUZZ_RUNS ?? 150);
const batchRuns = Number(process.env.INTAKE_FUZZ_BATCH_RUNS ?? 8);
const timeLimitMs = Number(process.env.INTAKE_FUZZ_TIME_LIMIT_MS ?? 45_000);
/** How long one record may take through admit (a loaded 2-core machine; a normal one takes well under a second). */
const settleMs = 20_000;
/** How long a written dead letter may take to be read back, and a consumed record to be handled. */
const readBackMs = 60_000;
const maxMessageBytes = 4096;
const day = 86_400_000;
const maxAgeMs = 7 * day;
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

describe('any record on the intake topics, admitted one by one', { timeout: 300_000 }, () => {
  let config: RelayConfig;
  let kafka: Kafka;
  let producer: Producer | undefined;
  let temporal: { client: Client; connection: Connection } | undefined;
  let letters: DeadLetterBox | undefined;
  let catchUp: RequestsCatchUp | undefined;
  let intake: RequestIntake;
  const startedRuns = new Set<string>();
  const deadLettered = new Map<string, string>();
  const tally = new Map<string, number>();
  let nextOffset = 0;
  let freshIds = 0;
  const ids = { fresh: () => `fresh-${(freshIds += 1)}`, pool: (index: number) => `pool-${index}` };

  before(async () => {
    config = testConfig({ ...prefixedNameVariables(uniqueName('fuzz')), TOPIC_PARTITIONS: '1', INGEST_MAX_MESSAGE_BYTES: String(maxMessageBytes), CANCEL_WAIT_FOR_RUN_MS: '500' });
    kafka = createKafka(config.kafka, silentLogger, uniqueName('fuzz'));
    await provisionRelayTopics(kafka, config);
    producer = kafka.producer();
    await producer.connect();
    temporal = await testTemporalClient(config);
    letters = await DeadLetterBox.open(kafka, config.topics.deadLetter);
    // As the ingest consumer builds it (with a fast backoff), and in its mode. No group takes in
    // the requests topic here: a cancel from the cancel topic that finds no run waits its
    // CANCEL_WAIT_FOR_RUN_MS, as behind a group that lags.
    catchUp = new RequestsCatchUp({ kafka, topic: config.topics.requested, groupId: config.consumerGroupId });
    const requestsTakenIn = (timestamp: number): Promise<boolean> => catchUp!.passed(timestamp);
    intake = new RequestIntake({ temporal: temporal.client, producer, config, logger: silentLogger, requestsTakenIn, backoff: { initialMs: 20, maxMs: 200, factor: 2 } });
  });
  after(() =>
    tearDown(
      () => temporal && terminateRuns(temporal.client, startedRuns),
      () => letters?.close(),
      () => catchUp?.close(),
      () => producer?.disconnect(),
      () => temporal?.connection.close(),
    ),
  );

  const mode: IntakeMode = { conflict: 'use-existing', deadLetters: 'write', cancels: 'deliver', trace: 'continue', maxAgeMs };

  /** The outcome of one record, or a failure: it threw, or it did not settle within `boundMs`. */
  async function admitWithin(message: KafkaMessage, location: MessageLocation, boundMs = settleMs): Promise<IntakeOutcome> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new Error('past the bound')), boundMs);
    try {
      const outcome = await intake.admit(message, location, mode, { signal: controller.signal, canContinue: () => !controller.signal.aborted });
      if (outcome === undefined) throw new Error(`admit did not settle within ${boundMs} ms`);
      return outcome;
    } finally {
      clearTimeout(timer);
    }
  }

  it('ends each as a run, a duplicate, a cancel or exactly one written dead letter with a reason of the contract, within the bound, and never throws', async (t) => {
    t.diagnostic(`fast-check seed ${seed} (INTAKE_FUZZ_SEED), ${recordRuns} batches of 1-3 records, time limit ${timeLimitMs} ms`);
    const started = Date.now();
    const property = fc.asyncProperty(fc.array(recordArbitrary(maxMessageBytes), { minLength: 1, maxLength: 3 }), async (specs) => {
      const written: { location: MessageLocation; made: MadeRecord; reason: string }[] = [];
      for (const spec of specs) {
        const made = makeRecord(spec, ids);
        const location = { topic: spec.topic === 'cancel' ? config.topics.cancel : config.topics.requested, partition: 0, offset: String((nextOffset += 1)) };
        const outcome = await admitWithin(asKafkaMessage(made, location.offset), location);
        count(tally, outcome.kind === 'dead-lettered' ? `dead-lettered ${outcome.reason}` : outcome.kind);
        judgeOutcome(outcome, spec, made, config);
        if (outcome.kind === 'started') startedRuns.add(outcome.workflowId);
        if (outcome.kind === 'dead-lettered') {
          deadLettered.set(sourceOf(location), outcome.reason);
          written.push({ location, made, reason: outcome.reason });
        }
      }
      for (const { location, made, reason } of written) judgeLetter(await letters!.waitFor(location, readBackMs), made, location, reason);
    });
    await fc.assert(property, { seed, numRuns: recordRuns, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] });
    t.diagnostic(`${nextOffset} records in ${((Date.now() - started) / 1000).toFixed(1)} s: ${describeTally(tally)}`);
  });

  // The smallest records of defects the property found, kept as plain cases.
  it('a record stamped two hours ahead is dead-lettered at once, its stamp kept in dlq.source.timestamp (the broker refuses a letter stamped that far ahead)', async () => {
    const location = { topic: config.topics.requested, partition: 0, offset: String((nextOffset += 1)) };
    const made: MadeRecord = { requestId: 'ahead', key: Buffer.from('ahead'), value: Buffer.from('not json'), headers: [], timestamp: String(Date.now() + 2 * 3_600_000) };
    const outcome = await admitWithin(asKafkaMessage(made, location.offset), location, 5000);
    assert.equal(outcome.kind === 'dead-lettered' && outcome.reason, 'not-json');
    deadLettered.set(sourceOf(location), 'not-json');
    const letter = await letters!.waitFor(location, readBackMs);
    judgeLetter(letter, made, location, 'not-json');
    assert.equal(firstText(letter.headers?.[deadLetterHeaderNames.sourceTimestamp]), made.timestamp);
  });

  it('a cancel from the cancel topic stamped an hour ahead waits CANCEL_WAIT_FOR_RUN_MS at most, not until its stamp', async () => {
    const location = { topic: config.topics.cancel, partition: 0, offset: String((nextOffset += 1)) };
    const message: KafkaMessage = { key: Buffer.from('cancel-ahead'), value: Buffer.from('{"requestId":"cancel-ahead"}'), timestamp: String(Date.now() + 3_600_000), attributes: 0, offset: location.offset, headers: {} };
    const outcome = await admitWithin(message, location, 5000);
    if (outcome.kind === 'dead-lettered') deadLettered.set(sourceOf(location), outcome.reason);
    assert.ok(outcome.kind === 'cancel' || (outcome.kind === 'dead-lettered' && outcome.reason === 'cancel-unmatched'), `${outcome.kind}: not found, or not matched within the wait`);
  });

  it('a record carrying dlq.* headers of its own is dead-lettered with only the writer’s dlq.* headers (redrive would refuse a forged dlq.value.omitted)', async () => {
    const location = { topic: config.topics.requested, partition: 0, offset: String((nextOffset += 1)) };
    const made: MadeRecord = { requestId: 'forged', key: Buffer.from('forged'), value: Buffer.from('not json'), headers: [['dlq.value.omitted', Buffer.from('')]], timestamp: String(Date.now()) };
    const outcome = await admitWithin(asKafkaMessage(made, location.offset), location, 5000);
    assert.equal(outcome.kind === 'dead-lettered' && outcome.reason, 'not-json');
    deadLettered.set(sourceOf(location), 'not-json');
    judgeLetter(await letters!.waitFor(location, readBackMs), made, location, 'not-json');
  });

  it('a header named __proto__ is copied into the letter like any other (it was once set as the letter headers’ prototype, and lost)', async () => {
    const location = { topic: config.topics.requested, partition: 0, offset: String((nextOffset += 1)) };
    const made: MadeRecord = { requestId: 'proto', key: Buffer.from('proto'), value: Buffer.from(''), headers: [['__proto__', Buffer.from('x')]], timestamp: String(Date.now()) };
    const outcome = await admitWithin(asKafkaMessage(made, location.offset), location, 5000);
    assert.equal(outcome.kind === 'dead-lettered' && outcome.reason, 'not-json');
    deadLettered.set(sourceOf(location), 'not-json');
    judgeLetter(await letters!.waitFor(location, readBackMs), made, location, 'not-json');
  });

  it('wrote no second letter for any record, and no letter for a record that was not dead-lettered', async () => {
    await until(() => letters!.all().size >= deadLettered.size || undefined, readBackMs, 'every letter to be read back');
    for (const [source, found] of letters!.all()) {
      assert.ok(deadLettered.has(source), `a letter for ${source}, which was not dead-lettered`);
      assert.equal(found.length, 1, `${found.length} letters for ${source}`);
    }
    assert.equal(letters!.all().size, deadLettered.size, 'a letter for every record dead-lettered');
  });
});

describe('hostile batches through the live consumer on a one-partition topic', { timeout: 300_000 }, () => {
  let harness: PipelineHarness | undefined;
  const tally = new Map<string, number>();
  let freshIds = 0;
  const ids = { fresh: () => `batch-fresh-${(freshIds += 1)}`, pool: (index: number) => `batch-pool-${index}` };

  before(async () => {
    // No worker: a run that starts is what the property needs; the runs are terminated after.
    harness = await PipelineHarness.start({ env: { TOPIC_PARTITIONS: '1', CANCEL_WAIT_FOR_RUN_MS: '500', INGEST_MAX_INFLATED_BATCH_BYTES: '1048576' }, roles: { consumer: true, worker: false } });
  });
  after(() =>
    tearDown(
      async () => harness && terminateRuns(harness.client, await openRunsOf(harness)),
      () => harness?.close(),
    ),
  );

  // console:gzip-bomb: the records and a 2 MiB value that gzip makes a few KiB, past INGEST_MAX_INFLATED_BATCH_BYTES (1 MiB here).
  const clients = ['kafkajs:none', 'kafkajs:gzip', 'console:none', 'console:gzip', 'console:gzip-bomb', 'console:snappy', 'console:lz4', 'console:zstd'] as const;
  const batchArbitrary = fc.record({
    records: fc.array(recordArbitrary(maxMessageBytes).map((spec): RecordSpec => ({ ...spec, topic: 'requests' })), { minLength: 1, maxLength: 8 }),
    client: fc.constantFrom(...clients),
  });

  it('accounts for every hostile record (one run or one dead letter), never dead-letters one twice, and starts the good request behind them', async (t) => {
    const h = harness!;
    t.diagnostic(`fast-check seed ${seed} (INTAKE_FUZZ_SEED), ${batchRuns} batches of 1-8 records, time limit ${timeLimitMs} ms`);
    const started = Date.now();
    let records = 0;
    const property = fc.asyncProperty(batchArbitrary, async ({ records: specs, client }) => {
      const made = specs.map((spec) => makeRecord(spec, ids));
      const first = await h.topicEnd(h.config.topics.requested);
      const sent = await send(h, made, client);
      const end = await h.topicEnd(h.config.topics.requested);
      assert.equal(end - first, sent, `the ${client} producer wrote every record`);
      records += sent;
      const good = ids.fresh();
      await h.request(good, 'Does the request behind the batch start?', { maxSearches: 1 });
      await until(() => h.outcomes.some((outcome) => outcome.kind === 'started' && outcome.requestId === good), readBackMs, `the run of ${good} behind a ${client} batch to start`);
      for (let offset = first; offset < end; offset += 1) {
        const outcome = await until(() => outcomesAt(h, offset)[0], readBackMs, `an outcome of offset ${offset}`);
        count(tally, outcome.kind === 'dead-lettered' ? `dead-lettered ${outcome.reason}` : outcome.kind);
        if (outcome.kind === 'dead-lettered') await until(() => lettersAt(h, offset).length > 0 || undefined, readBackMs, `the letter of offset ${offset}`);
        assert.equal(outcomesAt(h, offset).length, 1, `offset ${offset} was handled once`);
        assert.equal(lettersAt(h, offset).length, outcome.kind === 'dead-lettered' ? 1 : 0, `offset ${offset}: one letter if dead-lettered, else none`);
      }
    });
    await fc.assert(property, { seed, numRuns: batchRuns, plugins: [fc.interruptAfterTimeLimit(timeLimitMs)] });
    t.diagnostic(`${records} hostile records in ${((Date.now() - started) / 1000).toFixed(1)} s: ${describeTally(tally)}`);
  });
});

/** Sends a batch (returns how many records): with kafkajs (which cannot write a null header value: those are left out) or with Java's console producer (text only). */
async function send(harness: PipelineHarness, made: readonly MadeRecord[], client: string): Promise<number> {
  const [via, compression = 'none'] = client.split(':');
  const topic = harness.config.topics.requested;
  if (via === 'kafkajs') {
    const messages = made.map((record) => ({ key: record.key, value: record.value, headers: headerObject(record.headers.filter(([, value]) => value !== null)) }));
    await harness.producer.send({ topic, acks: -1, compression: compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None, messages });
    return messages.length;
  }
  const records: ConsoleRecord[] = made.map(asConsoleRecord);
  if (compression === 'gzip-bomb') records.splice(Math.floor(records.length / 2), 0, { key: 'bomb', value: { repeat: 'a', times: 2 * 1024 * 1024 }, headers: [] });
  const properties = { 'linger.ms': 100, 'max.request.size': 4_000_000, 'buffer.memory': 16_000_000 };
  await produceWithConsoleProducer({ brokers: harness.config.kafka.brokers, topic, records, compression: (compression === 'gzip-bomb' ? 'gzip' : compression) as ConsoleCompression, properties });
  return records.length;
}

function outcomesAt(harness: PipelineHarness, offset: number): PipelineHarness['outcomes'] {
  return harness.outcomes.filter((outcome) => outcome.location.topic === harness.config.topics.requested && outcome.location.offset === String(offset));
}

function lettersAt(harness: PipelineHarness, offset: number): ReturnType<PipelineHarness['recorder']['on']> {
  return harness.recorder.on(harness.config.topics.deadLetter).filter((letter) => letter.headers[deadLetterHeaderNames.sourceTopic] === harness.config.topics.requested && letter.headers[deadLetterHeaderNames.sourceOffset] === String(offset));
}

/**
 * The outcome is one of the allowed ones, and fits the record: a run starts only for a valid
 * request (on the requests topic, key = requestId, within the limits, of a type read as a request,
 * not expired or stamped ahead), a cancel only for a valid cancel from the cancel topic, and a
 * request that is valid in every way and new starts its run.
 */
function judgeOutcome(outcome: IntakeOutcome, spec: RecordSpec, made: MadeRecord, config: RelayConfig): void {
  assert.ok(['started', 'duplicate', 'cancel', 'dead-lettered'].includes(outcome.kind), `outcome ${outcome.kind}`);
  const readable = readableRequest(made, config);
  if (outcome.kind === 'dead-lettered') {
    assert.ok((deadLetterReasons as readonly string[]).includes(outcome.reason), `reason ${outcome.reason} is one of the contract's`);
    assert.equal(outcome.written, true, 'the letter was written');
    if (spec.topic === 'requests' && readable && 'fresh' in spec.id && Math.abs(Number(made.timestamp) - Date.now()) < 120_000) {
      assert.fail(`a new, valid request was dead-lettered as ${outcome.reason}: ${outcome.detail}`);
    }
    return;
  }
  if (outcome.kind === 'cancel') {
    assert.equal(spec.topic, 'cancel', 'cancels are taken from the cancel topic only');
    const cancel = researchCancelSchema.safeParse(parsedValue(made));
    assert.ok(cancel.success && cancel.data.requestId === made.key?.toString(), 'a cancel outcome is a valid cancel keyed by its request id');
    return;
  }
  assert.equal(spec.topic, 'requests', `a ${outcome.kind} comes from the requests topic`);
  assert.ok(readable, `a ${outcome.kind} is a valid, readable request`);
  assert.equal(outcome.requestId, made.key?.toString());
  const aheadMs = Number(made.timestamp) - Date.now();
  if (outcome.kind === 'started') assert.ok(aheadMs <= config.maxClockSkewMs + 1000 && -aheadMs <= maxAgeMs + 1000, `started a run stamped ${aheadMs} ms from now`);
}

/** Whether the record is a request the decoder must read: within every bound, of a request type, valid, keyed by its id. */
function readableRequest(made: MadeRecord, config: RelayConfig): boolean {
  const headers = headerSize(made);
  if (headers.count > config.maxHeaderCount || headers.bytes > config.maxHeaderBytes || (made.value?.length ?? 0) > config.maxMessageBytes) return false;
  const type = firstHeader(made, 'ce_type');
  const specversion = firstHeader(made, 'ce_specversion');
  if (specversion !== undefined && (specversion !== '1.0' || type === undefined)) return false;
  if (type !== undefined && type !== 'research.requested.v1' && type !== 'research.requested') return false;
  const request = researchRequestedSchema.safeParse(parsedValue(made));
  return request.success && request.data.requestId === made.key?.toString() && !hasLoneSurrogate(parsedValue(made));
}

/** The first value of a header, as text; undefined when absent or null (no value). */
function firstHeader(made: MadeRecord, name: string): string | undefined {
  return made.headers.find(([entry]) => entry === name)?.[1]?.toString();
}

function parsedValue(made: MadeRecord): unknown {
  try {
    return JSON.parse(strictUtf8.decode(made.value ?? Buffer.alloc(0))) as unknown;
  } catch {
    return undefined;
  }
}

function hasLoneSurrogate(json: unknown): boolean {
  if (typeof json === 'string') return /\p{Cs}/u.test(json);
  if (json === null || typeof json !== 'object') return false;
  return Object.entries(json).some(([name, value]) => /\p{Cs}/u.test(name) || hasLoneSurrogate(value));
}

/**
 * The letter as read back from the DLQ topic: the contract's dlq.* headers (and only the writer's
 * own), the reason and the source, the original key and value (or the value's size and SHA-256
 * where it was left out), and the original headers — or the names of those left out.
 */
function judgeLetter(letter: KafkaMessage, made: MadeRecord, location: MessageLocation, reason: string): void {
  const text = Object.fromEntries(Object.entries(letter.headers ?? {}).map(([name, value]) => [name, firstText(value)]));
  const own = Object.fromEntries(Object.entries(text).filter(([name]) => name.startsWith('dlq.')));
  const parsed = deadLetterHeadersSchema.safeParse(own);
  assert.ok(parsed.success, `the letter's dlq.* headers keep the contract: ${parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  assert.equal(text[deadLetterHeaderNames.reason], reason);
  assert.deepEqual([text[deadLetterHeaderNames.sourceTopic], text[deadLetterHeaderNames.sourcePartition], text[deadLetterHeaderNames.sourceOffset]], [location.topic, '0', location.offset]);
  const omitted = text[deadLetterHeaderNames.valueOmitted] !== undefined;
  if (omitted) {
    const original = made.value ?? Buffer.alloc(0);
    assert.equal(letter.value?.length ?? 0, 0, 'a letter that says its value was left out holds none');
    assert.equal(text[deadLetterHeaderNames.valueSize], String(original.length), 'the size of the value left out');
    assert.equal(text[deadLetterHeaderNames.valueSha256], createHash('sha256').update(original).digest('hex'), 'the SHA-256 of the value left out');
  } else {
    assert.ok(sameBytes(letter.value, made.value), 'the original value');
  }
  if (letter.key !== null || !omitted) assert.ok(sameBytes(letter.key, made.key), 'the original key');
  judgeLetterHeaders(letter, made, text[deadLetterHeaderNames.droppedHeaders]);
}

/** Each original header (with a value) is in the letter, value for value, or named as left out. */
function judgeLetterHeaders(letter: KafkaMessage, made: MadeRecord, dropped: string | undefined): void {
  const wholesale = dropped !== undefined && !dropped.startsWith('null values: ');
  const names = [...new Set(made.headers.map(([name]) => name))].filter((name) => !name.startsWith('dlq.'));
  for (const name of names) {
    const kept = made.headers.filter(([entry, value]) => entry === name && value !== null).map(([, value]) => value as Buffer);
    const inLetter = Object.hasOwn(letter.headers ?? {}, name) ? [letter.headers?.[name]].flat() : [];
    if (wholesale) {
      assert.deepEqual(inLetter, [], `header "${name}" is left out with the others`);
      continue;
    }
    assert.deepEqual(inLetter.map((value) => Buffer.from(value as Buffer).toString('hex')), kept.map((value) => value.toString('hex')), `header "${name}" is copied into the letter`);
    const hasNull = made.headers.some(([entry, value]) => entry === name && value === null);
    if (hasNull) assert.ok(dropped !== undefined && (dropped.includes(name) || dropped.includes(' in all)')), `header "${name}" with a null value is named as left out`);
  }
}

function firstText(value: unknown): string | undefined {
  const first: unknown = Array.isArray(value) ? value[0] : value;
  return Buffer.isBuffer(first) ? first.toString('utf8') : typeof first === 'string' ? first : undefined;
}

function sameBytes(a: Buffer | null | undefined, b: Buffer | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return (a ?? null) === (b ?? null);
  return a.equals(b);
}

function sourceOf(location: MessageLocation): string {
  return `${location.topic}/${location.partition}/${location.offset}`;
}

function count(tally: Map<string, number>, label: string): void {
  tally.set(label, (tally.get(label) ?? 0) + 1);
}

function describeTally(tally: Map<string, number>): string {
  return [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([label, n]) => `${label} ${n}`).join(', ');
}

/** Polls an observable condition until it holds, or fails after the deadline. */
async function until<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The DLQ topic read from the beginning, letters by their source record (dlq.source.*), headers as the decoder gives them. */
class DeadLetterBox {
  private readonly letters = new Map<string, KafkaMessage[]>();

  private constructor(private readonly consumer: Consumer) {}

  static async open(kafka: Kafka, topic: string): Promise<DeadLetterBox> {
    const box = new DeadLetterBox(kafka.consumer({ groupId: uniqueName('fuzz-letters'), maxWaitTimeInMs: 50, sessionTimeout: 10_000, heartbeatInterval: 1000 }));
    await box.consumer.connect();
    await box.consumer.subscribe({ topics: [topic], fromBeginning: true });
    await box.consumer.run({
      eachMessage: ({ message }) => {
        const source = `${firstText(message.headers?.[deadLetterHeaderNames.sourceTopic])}/${firstText(message.headers?.[deadLetterHeaderNames.sourcePartition])}/${firstText(message.headers?.[deadLetterHeaderNames.sourceOffset])}`;
        box.letters.set(source, [...(box.letters.get(source) ?? []), message]);
        return Promise.resolve();
      },
    });
    return box;
  }

  waitFor(location: MessageLocation, timeoutMs: number): Promise<KafkaMessage> {
    return until(() => this.letters.get(sourceOf(location))?.[0], timeoutMs, `the dead letter of ${sourceOf(location)}`);
  }

  all(): ReadonlyMap<string, readonly KafkaMessage[]> {
    return this.letters;
  }

  async close(): Promise<void> {
    await this.consumer.disconnect();
  }
}

async function openRunsOf(harness: PipelineHarness): Promise<string[]> {
  const open: string[] = [];
  for await (const run of harness.client.workflow.list({ query: `WorkflowId STARTS_WITH "${harness.config.temporal.workflowIdPrefix}" AND ExecutionStatus = "Running"` })) open.push(run.workflowId);
  return open;
}

/** No worker ran them: they are ended so that they do not stay open on the shared server. */
async function terminateRuns(client: Client, workflowIds: Iterable<string>): Promise<void> {
  await Promise.all([...workflowIds].map((workflowId) => client.workflow.getHandle(workflowId).terminate('intake fuzz test over').catch(() => undefined)));
}
