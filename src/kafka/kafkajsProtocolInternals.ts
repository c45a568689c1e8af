import { createRequire } from 'node:module';

/** kafkajs's 64-bit integer (src/utils/long.js), as the record decoders use it. */
export interface KafkajsLong {
  add(addend: KafkajsLong | number): KafkajsLong;
  toString(): string;
}

/** kafkajs's protocol reader (src/protocol/decoder.js), as far as a record batch is read with it. */
export interface ProtocolReader {
  readonly buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): bigint;
  readVarInt(): number;
  readVarLong(): KafkajsLong;
  readVarIntBytes(): Buffer | null;
  readVarIntString(): string | null;
  readAll(): Buffer;
  slice(size: number): ProtocolReader;
  forward(size: number): void;
}

const requireKafkajs = createRequire(__filename);

/**
 * kafkajs 2.2.4's own reader, 64-bit integers and partial-batch error: the replacement record
 * batch decoder reads and answers exactly as the one it replaces. None of these modules loads a
 * fetch response decoder.
 */
export const ProtocolDecoder = requireKafkajs('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => ProtocolReader;
export const KafkajsLongValue = requireKafkajs('kafkajs/src/utils/long') as { fromValue(value: string | number | bigint): KafkajsLong };
export const { KafkaJSPartialMessageError } = requireKafkajs('kafkajs/src/errors') as { KafkaJSPartialMessageError: new (message: string) => Error };

/** Where kafkajs keeps the modules the decoder patch replaces and watches. */
export const kafkajsModulePaths = {
  recordBatchDecoder: requireKafkajs.resolve('kafkajs/src/protocol/recordBatch/v0/decoder'),
  decodeMessages: requireKafkajs.resolve('kafkajs/src/protocol/requests/fetch/v4/decodeMessages'),
  fetchRequests: requireKafkajs.resolve('kafkajs/src/protocol/requests/fetch'),
};
