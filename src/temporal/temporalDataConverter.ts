import type { DataConverter } from '@temporalio/common';
import type { PayloadEncryptionSettings } from '../config/payloadEncryptionSettings';
import { PayloadEncryptionCodec } from './payloadEncryptionCodec';

/** One codec per key set: the client, the worker and the codec server of a process share it. */
const codecs = new WeakMap<PayloadEncryptionSettings, PayloadEncryptionCodec>();

/**
 * The codec for these keys, built once per key set (its key objects were built once at start-up).
 *
 * @example
 * const codec = payloadEncryptionCodec(config.temporal.payloadEncryption);
 */
export function payloadEncryptionCodec(settings: PayloadEncryptionSettings): PayloadEncryptionCodec {
  let codec = codecs.get(settings);
  if (!codec) {
    codec = new PayloadEncryptionCodec(settings);
    codecs.set(settings, codec);
  }
  return codec;
}

/**
 * The data converter of every Temporal client and worker of the relay: payloads encrypted when
 * keys are configured, Temporal's default JSON otherwise. Every path that builds a Client or a
 * Worker takes its converter from here, so none of them writes plain text by accident.
 *
 * @example
 * const client = new Client({ connection, namespace, dataConverter: temporalDataConverter(config.temporal.payloadEncryption) });
 */
export function temporalDataConverter(encryption: PayloadEncryptionSettings | undefined): DataConverter {
  return encryption ? { payloadCodecs: [payloadEncryptionCodec(encryption)] } : {};
}
