import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { PayloadEncryptionSettings } from '../config/payloadEncryptionSettings';
import { PayloadDecryptionError } from '../errors';

/** The `encoding` of an encrypted payload; anything else passes decode unchanged. */
export const encryptedEncoding = 'binary/encrypted';
/** Metadata naming the key a payload was encrypted with, so keys can rotate. */
export const encryptionKeyIdMetadata = 'encryption-key-id';

const ivBytes = 12;
const tagBytes = 16;
const algorithm = 'aes-256-gcm';
const encryptedEncodingBytes = Buffer.from(encryptedEncoding);

/**
 * Temporal payload codec: AES-256-GCM over the whole protobuf-encoded Payload (its metadata
 * included), a fresh random 12-byte IV per payload, stored as IV ‖ ciphertext ‖ tag. The key
 * id travels in the metadata in clear and is also bound as additional authenticated data, so
 * relabelling a payload with another key id fails authentication. Encode always uses the
 * current key; decode picks the key by id, and payloads that are not encrypted (runs started
 * before encryption was switched on) pass through unchanged.
 *
 * @example
 * const codec = new PayloadEncryptionCodec(config.temporal.payloadEncryption);
 * const worker = await Worker.create({ ...options, dataConverter: { payloadCodecs: [codec] } });
 */
export class PayloadEncryptionCodec implements PayloadCodec {
  private readonly currentKeyIdBytes: Buffer;

  constructor(private readonly settings: PayloadEncryptionSettings) {
    this.currentKeyIdBytes = Buffer.from(settings.currentKeyId);
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => this.encrypt(payload)));
  }

  decode(payloads: Payload[]): Promise<Payload[]> {
    return settle(() => payloads.map((payload) => this.decrypt(payload)));
  }

  private encrypt(payload: Payload): Payload {
    const { currentKeyId, keys } = this.settings;
    const key = keys.get(currentKeyId);
    if (!key) {
      throw new PayloadDecryptionError(currentKeyId, `the current encryption key "${currentKeyId}" is not configured (PAYLOAD_ENCRYPTION_KEY_ID)`, {
        callerMessage: 'the current encryption key is not configured here',
      });
    }
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv(algorithm, key, iv, { authTagLength: tagBytes });
    cipher.setAAD(this.currentKeyIdBytes);
    const plaintext = temporal.api.common.v1.Payload.encode(payload).finish();
    const ciphertext = Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { [METADATA_ENCODING_KEY]: encryptedEncodingBytes, [encryptionKeyIdMetadata]: this.currentKeyIdBytes }, data: ciphertext };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING_KEY];
    if (!encoding || !encryptedEncodingBytes.equals(encoding)) return payload;
    const keyIdBytes = payload.metadata?.[encryptionKeyIdMetadata];
    const keyId = keyIdBytes ? Buffer.from(keyIdBytes).toString('utf8') : undefined;
    if (keyId === undefined) throw new PayloadDecryptionError(undefined, `an encrypted payload has no "${encryptionKeyIdMetadata}" metadata`);
    const key = this.settings.keys.get(keyId);
    if (!key) {
      // The ids this process has help its operator; a codec server's client is told only the payload's own.
      const unknown = `a payload is encrypted with key "${keyId}", which is not configured here`;
      const known = [...this.settings.keys.keys()].join(', ');
      throw new PayloadDecryptionError(keyId, `${unknown} (PAYLOAD_ENCRYPTION_KEYS lists ${known})`, { callerMessage: unknown });
    }
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < ivBytes + tagBytes) throw new PayloadDecryptionError(keyId, `a payload encrypted with key "${keyId}" is truncated (${data.length} bytes)`);
    const decipher = createDecipheriv(algorithm, key, data.subarray(0, ivBytes), { authTagLength: tagBytes });
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - tagBytes));
    let plaintext: Buffer;
    try {
      plaintext = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(keyId, `a payload encrypted with key "${keyId}" fails authentication: the key configured under that id is not the one it was encrypted with, or the payload was altered`);
    }
    // The original Payload, whole: its metadata (encoding) and any external-storage details.
    return temporal.api.common.v1.Payload.decode(plaintext);
  }
}

/** Runs synchronous work as a promise, so a throw becomes a rejection (what callers await). */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}
