import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KafkaJSConnectionError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError, type IHeaders, type KafkaMessage, type Message, type Producer, type ProducerRecord } from 'kafkajs';
import { InvalidRequestError } from '../../../src/errors';
import { writeDeadLetter } from '../../../src/intake/deadLetterWriter';

const location = { topic: 'research.requested', partition: 0, offset: '7' };

/** A producer that refuses letters `refuse` says no to, and records what it finally took. */
function producerThat(refuse: (message: Message) => Error | undefined): { producer: Producer; written: Message[]; attempts: number } {
  const state = { written: [] as Message[], attempts: 0 };
  const producer = {
    send: (record: ProducerRecord) => {
      state.attempts += 1;
      const [message] = record.messages;
      const refusal = message && refuse(message);
      if (refusal) return Promise.reject(refusal);
      if (message) state.written.push(message);
      return Promise.resolve([]);
    },
  } as unknown as Producer;
  return { producer, get written() { return state.written; }, get attempts() { return state.attempts; } };
}

const record = (headers: IHeaders, value = Buffer.from('not json')): KafkaMessage =>
  ({ key: Buffer.from('r-1'), value, headers, timestamp: String(Date.now()), attributes: 0, offset: '7' });
const notJson = new InvalidRequestError('not-json', 'the value is not JSON', location);
const tooLarge = (): Error => new KafkaJSProtocolError({ message: 'too large', type: 'MESSAGE_TOO_LARGE', code: 10, retriable: false } as never);

describe('a dead letter that cannot be written as it is', () => {
  it('leaves out null header values (kafkajs cannot encode them) and names them', async () => {
    const target = producerThat(() => undefined);
    await writeDeadLetter(target.producer, 'dlq', record({ ce_type: null as unknown as Buffer, tag: Buffer.from('kept') }), notJson);
    const [letter] = target.written;
    assert.deepEqual(Object.keys(letter?.headers ?? {}).filter((name) => !name.startsWith('dlq.')), ['tag']);
    assert.equal(letter?.headers?.['dlq.headers.dropped'], 'null values: ce_type');
  });

  it('an error that is not Kafka’s (an encoder’s TypeError) is not retried: the letter is written without the original headers', async () => {
    const target = producerThat((message) => (message.headers?.tag ? new TypeError('The "string" argument must be of type string') : undefined));
    await writeDeadLetter(target.producer, 'dlq', record({ tag: Buffer.from('x') }), notJson);
    const [letter] = target.written;
    assert.equal(letter?.headers?.['dlq.reason'], 'not-json');
    assert.equal(letter?.headers?.['dlq.headers.dropped'], 'tag');
    assert.deepEqual(letter?.value, Buffer.from('not json'), 'the value is kept');
    assert.equal(target.attempts, 2);
  });

  it('too large, then too large again: without the value, then with the dlq.* headers alone', async () => {
    const target = producerThat((message) => (message.headers?.tag || message.value ? tooLarge() : undefined));
    await writeDeadLetter(target.producer, 'dlq', record({ tag: Buffer.from('x') }, Buffer.alloc(5000, 1)), notJson);
    const [letter] = target.written;
    assert.equal(letter?.value, null);
    assert.equal(letter?.key, null);
    assert.equal(letter?.headers?.['dlq.value.size'], '5000');
    assert.equal(target.attempts, 3);
  });

  it('an error a retry can fix (the broker away) is thrown to the caller, which retries', async () => {
    const target = producerThat(() => new KafkaJSConnectionError('Connection error: ECONNREFUSED'));
    await assert.rejects(writeDeadLetter(target.producer, 'dlq', record({}), notJson), KafkaJSConnectionError);
    assert.equal(target.attempts, 1);
  });

  it('a broker refusal of the record itself, also inside kafkajs’s retries-exceeded error, takes a smaller form; the letter is broker-stamped and keeps the original stamp in a header', async () => {
    const invalidTimestamp = new KafkaJSProtocolError({ message: 'timestamp out of range', type: 'INVALID_TIMESTAMP', code: 32, retriable: false } as never);
    const wrapped = new KafkaJSNumberOfRetriesExceeded(invalidTimestamp, { retryCount: 5, retryTime: 1000 });
    const target = producerThat((message) => (message.headers?.tag ? wrapped : undefined));
    const old = record({ tag: Buffer.from('x') });
    await writeDeadLetter(target.producer, 'dlq', old, notJson);
    const [letter] = target.written;
    assert.equal(letter?.timestamp, undefined, 'stamped by the broker');
    assert.equal(letter?.headers?.['dlq.source.timestamp'], old.timestamp);
    assert.equal(target.attempts, 2);
  });

  it('a record’s own dlq.* headers (a forgery: a letter that claims its value was left out) are not copied', async () => {
    const target = producerThat(() => undefined);
    await writeDeadLetter(target.producer, 'dlq', record({ 'dlq.value.omitted': Buffer.from('too-large-for-the-dlq'), 'dlq.value.size': Buffer.from('1') }), notJson);
    const [letter] = target.written;
    assert.equal(letter?.headers?.['dlq.value.omitted'], undefined);
    assert.equal(letter?.headers?.['dlq.value.size'], undefined);
  });

  it('a record whose headers were the problem gets a letter without them from the start', async () => {
    const target = producerThat(() => undefined);
    const headers = Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`h${i}`, Buffer.from('v')]));
    await writeDeadLetter(target.producer, 'dlq', record(headers), new InvalidRequestError('headers-too-large', 'the record has 500 headers', location));
    const [letter] = target.written;
    assert.deepEqual(Object.keys(letter?.headers ?? {}).filter((name) => !name.startsWith('dlq.')), []);
    assert.match(String(letter?.headers?.['dlq.headers.dropped']), /^h0,h1,.*\(500 in all\)$/);
  });
});
