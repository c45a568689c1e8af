import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { loadRelayConfig } from '../../../src/config/relayConfig';
import { PayloadDecryptionError } from '../../../src/errors';
import { PayloadEncryptionCodec } from '../../../src/temporal/payloadEncryptionCodec';
import { payloadEncryptionCodec } from '../../../src/temporal/temporalDataConverter';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');

function codecFor(keys: string, current?: string): PayloadEncryptionCodec {
  const settings = loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS: keys, ...(current ? { PAYLOAD_ENCRYPTION_KEY_ID: current } : {}) }).temporal.payloadEncryption;
  assert.ok(settings);
  return payloadEncryptionCodec(settings);
}

const text = (payload: Payload | undefined, key: string): string | undefined => {
  const value = payload?.metadata?.[key];
  return value ? Buffer.from(value).toString() : undefined;
};

async function rejection(promise: Promise<unknown>): Promise<PayloadDecryptionError> {
  const error = await promise.then(() => assert.fail('decoded'), (failure: unknown) => failure);
  assert.ok(error instanceof PayloadDecryptionError, `a PayloadDecryptionError, got ${String(error)}`);
  return error;
}

describe('the payload encryption codec', () => {
  const original = defaultPayloadConverter.toPayload({ query: 'What limits battery recycling?', metadata: { team: 'materials' } });

  it('encrypts the whole payload with the current key and a fresh IV each time, and decodes it to the original', async () => {
    const codec = codecFor(`a:${keyA}`);
    const [first, second] = await codec.encode([original, original]);
    assert.equal(text(first, 'encoding'), 'binary/encrypted');
    assert.equal(text(first, 'encryption-key-id'), 'a');
    assert.ok(!Buffer.from(first?.data ?? []).includes(Buffer.from('battery')), 'no plain text in the ciphertext');
    assert.ok(!Buffer.from(first?.data ?? []).equals(Buffer.from(second?.data ?? [])), 'a fresh IV: the same payload encrypts differently');
    const [decoded] = await codec.decode([first as Payload]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded as Payload), { query: 'What limits battery recycling?', metadata: { team: 'materials' } });
    assert.equal(text(decoded, 'encoding'), 'json/plain', 'the original metadata comes back');
  });

  it('after rotation, decodes what key a encrypted while encoding with key b; without a, fails naming "a"', async () => {
    const [underA] = await codecFor(`a:${keyA}`).encode([original]);
    const rotated = codecFor(`a:${keyA},b:${keyB}`);
    const [decoded] = await rotated.decode([underA as Payload]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(decoded as Payload), defaultPayloadConverter.fromPayload(original));
    const [underB] = await rotated.encode([original]);
    assert.equal(text(underB, 'encryption-key-id'), 'b');
    const error = await rejection(codecFor(`b:${keyB}`).decode([underA as Payload]));
    assert.equal(error.keyId, 'a');
    assert.equal(error.retryable, false);
    assert.match(error.message, /encrypted with key "a", which is not configured here/);
  });

  it('fails authentication, naming the key id and no key material, for a different key under the same id, altered bytes or a relabelled key id', async () => {
    const [sealed] = await codecFor(`a:${keyA},b:${keyB}`, 'a').encode([original]);
    assert.ok(sealed?.data);
    const wrongKey = await rejection(codecFor(`a:${keyB}`).decode([sealed]));
    assert.match(wrongKey.message, /encrypted with key "a" fails authentication/);
    assert.ok(!wrongKey.message.includes(keyA) && !wrongKey.message.includes(keyB));
    const altered = Buffer.from(sealed.data);
    altered[20] = (altered[20] ?? 0) ^ 1;
    await rejection(codecFor(`a:${keyA}`).decode([{ ...sealed, data: altered }]));
    const relabelled = { ...sealed, metadata: { ...sealed.metadata, 'encryption-key-id': Buffer.from('b') } };
    // Both ids name the same key: only the key id's own authentication can tell the payload was relabelled.
    assert.equal((await rejection(codecFor(`a:${keyA},b:${keyA}`).decode([relabelled]))).keyId, 'b');
  });

  it('passes payloads that are not encrypted through decode unchanged (runs from before encryption was switched on)', async () => {
    const plain = [original, defaultPayloadConverter.toPayload(undefined), { metadata: {}, data: new Uint8Array([1, 2]) }];
    assert.deepEqual(await codecFor(`a:${keyA}`).decode(plain), plain);
  });

  it('is built once per key set, and cheap: 10,000 payloads of 4 KiB round-trip within five seconds even on the loaded shared 2-core machine', async () => {
    const settings = loadRelayConfig({ PAYLOAD_ENCRYPTION_KEYS: `a:${keyA}` }).temporal.payloadEncryption;
    assert.ok(settings);
    assert.equal(payloadEncryptionCodec(settings), payloadEncryptionCodec(settings));
    const codec = payloadEncryptionCodec(settings);
    const payloads = Array.from({ length: 10_000 }, () => defaultPayloadConverter.toPayload({ report: 'x'.repeat(4096) }));
    const began = performance.now();
    const decoded = await codec.decode(await codec.encode(payloads));
    const elapsedMs = performance.now() - began;
    assert.equal(decoded.length, payloads.length);
    console.log(`10,000 × 4 KiB payloads encrypted and decrypted in ${elapsedMs.toFixed(0)} ms`);
    assert.ok(elapsedMs < 5000, `${elapsedMs} ms`);
  });
});
