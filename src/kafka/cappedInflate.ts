import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { CompressionCodecs } from 'kafkajs';
import type { UndecodableRecord } from './undecodableRecord';

const unzip = promisify(zlib.unzip);
const zstdDecompress = promisify(zlib.zstdDecompress);

/** The default: 16 MiB, sixteen times the broker's default 1 MiB batch. */
const defaultLimit = 16 * 1024 * 1024;
let limit = defaultLimit;

/**
 * Sets, for the whole process, how many bytes one compressed record batch may inflate to; a
 * batch past it is not decoded (its records arrive as undecodable, see undecodableRecordOf).
 * One fetched batch otherwise costs whatever its producer chose: a 510 KB gzip record can hold
 * 512 MiB. Default 16 MiB.
 *
 * @example
 * limitInflatedBatchBytes(config.maxInflatedBatchBytes);
 */
export function limitInflatedBatchBytes(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 1) throw new RangeError(`the inflated batch limit must be a positive whole number of bytes, not ${bytes}`);
  limit = bytes;
}

/** The limit limitInflatedBatchBytes set (16 MiB unless set). */
export function inflatedBatchByteLimit(): number {
  return limit;
}

/** The codec of a record batch, from its attributes (the low three bits). */
export type BatchCodec = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

const codecNames: Readonly<Record<BatchCodec, string>> = { 0: 'uncompressed', 1: 'gzip', 2: 'snappy', 3: 'lz4', 4: 'zstd', 5: 'codec 5', 6: 'codec 6', 7: 'codec 7' };

export function codecName(codec: BatchCodec): string {
  return codecNames[codec];
}

/** The inflated records of a batch, or why they cannot be had. */
export type InflateOutcome = { readonly inflated: Buffer } | { readonly undecodable: UndecodableRecord };

/**
 * Inflates a compressed batch's records, never past the limit: gzip and zstd through node:zlib
 * (which stops at `maxOutputLength`), snappy and lz4 through a codec registered in kafkajs's
 * CompressionCodecs, if any. Never throws: what cannot be inflated says why.
 */
export async function inflateRecords(codec: BatchCodec, compressed: Buffer): Promise<InflateOutcome> {
  const cap = limit;
  const about = `${codecName(codec)} batch of ${compressed.length} compressed bytes`;
  try {
    const inflated = await inflate(codec, compressed, cap);
    if (inflated === undefined) return undecodable('unsupported-compression', `${about}: ${unsupported(codec)}`);
    if (inflated.length > cap) return tooLarge(about, cap);
    return { inflated };
  } catch (error) {
    if (isTooLarge(error)) return tooLarge(about, cap);
    return undecodable('corrupt-batch', `${about} does not inflate (${errorCode(error)})`);
  }
}

/** The inflated bytes; undefined when no codec can read them. */
async function inflate(codec: BatchCodec, compressed: Buffer, cap: number): Promise<Buffer | undefined> {
  if (codec === 1) return unzip(compressed, { maxOutputLength: cap });
  if (codec === 4) return zstdDecompress(compressed, { maxOutputLength: cap });
  if (codec !== 2 && codec !== 3) return undefined;
  // A user's codec cannot be stopped part-way: its output is measured once it returns.
  const registered = registeredCodec(codec);
  if (!registered) return undefined;
  const inflated = await registered.decompress(compressed);
  if (!Buffer.isBuffer(inflated)) throw new TypeError(`the registered ${codecName(codec)} codec returned no Buffer`);
  return inflated;
}

interface RegisteredCodec {
  decompress(buffer: Buffer): Promise<unknown>;
}

/** kafkajs's documented way in: `CompressionCodecs[CompressionTypes.Snappy] = () => codec`. */
function registeredCodec(codec: 2 | 3): RegisteredCodec | undefined {
  const factory = (CompressionCodecs as Record<number, (() => unknown) | undefined>)[codec];
  try {
    const registered = factory?.();
    return typeof (registered as Partial<RegisteredCodec> | undefined)?.decompress === 'function' ? (registered as RegisteredCodec) : undefined;
  } catch {
    // kafkajs's own entry throws KafkaJSNotImplemented: nobody registered one.
    return undefined;
  }
}

function unsupported(codec: BatchCodec): string {
  return codec === 2 || codec === 3 ? `no ${codecName(codec)} codec registered in kafkajs's CompressionCodecs` : 'a codec Kafka does not define';
}

function isTooLarge(error: unknown): boolean {
  return error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
}

/** The error's code or name, never its message: a codec's message might quote the data. */
function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : typeof error;
}

function tooLarge(about: string, cap: number): InflateOutcome {
  return undecodable('inflated-too-large', `${about} inflates past the limit of ${cap} bytes`);
}

function undecodable(reason: UndecodableRecord['reason'], detail: string): InflateOutcome {
  return { undecodable: { reason, detail } };
}
