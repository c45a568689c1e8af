import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { infraPaths } from '../infra/infraPaths';
import { resolveJava } from '../infra/localKafka';

/** One string repeated `times` times, streamed to the producer without being built here. */
export interface RepeatedText {
  readonly repeat: string;
  readonly times: number;
}

/** A record for the console producer: text only (see produceWithConsoleProducer for the limits). */
export interface ConsoleRecord {
  readonly key: string | null;
  readonly value: string | RepeatedText | null;
  /** In order; a name may repeat; a null value is sent as a null header value (length -1). */
  readonly headers?: readonly (readonly [name: string, value: string | null])[];
}

export type ConsoleCompression = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

export interface ConsoleProduceOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly records: readonly ConsoleRecord[];
  /** compression.type of the Java producer (default none). */
  readonly compression?: ConsoleCompression;
  /** Producer properties, e.g. `{ 'linger.ms': 200, 'max.request.size': 70_000_000, 'buffer.memory': 160_000_000 }`. */
  readonly properties?: Readonly<Record<string, string | number>>;
  /** The JVM's maximum heap (default 256m); a huge value needs about four times its size. */
  readonly heap?: string;
  /** The producer is killed past this (default 120 s). */
  readonly timeoutMs?: number;
}

// Separators of the LineMessageReader: control characters no test text needs.
const keySeparator = '\u001f';
const headersDelimiter = '\u001e';
const headersSeparator = '\u001d'; // A regular expression to the reader: none of its specials.
const headerKeySeparator = '\u001c';
const nullMarker = '\u0018';
const reserved = /[\n\r\u0018\u001c-\u001f]/;

/**
 * Sends records with Apache Kafka's own Java producer (org.apache.kafka.tools.ConsoleProducer,
 * from the jars `npm run infra:up` keeps in .cache/kafka/libs): the batches a Java client writes,
 * which kafkajs cannot — snappy, lz4 and zstd compression, null header values. Resolves once the
 * producer exits 0 with no failed send; rejects with its stderr otherwise, and kills it after
 * `timeoutMs`. Records may share batches (`linger.ms` and `batch.size` decide); each call is one
 * producer, so batches of separate calls stay apart.
 *
 * Limits of a line-based tool: keys, values and headers are text, sent as UTF-8 (no binary: a
 * lone surrogate becomes U+FFFD), and may not contain a line break (\n, \r) or the control
 * characters U+0018 and U+001C–U+001F, which separate the fields; that throws. A huge value is
 * best a RepeatedText (a compression bomb: raise `max.request.size` and `buffer.memory` past
 * its size, and `heap`); the broker's limit applies to the compressed batch.
 *
 * @example
 * await produceWithConsoleProducer({
 *   brokers: ['127.0.0.1:9092'], topic, compression: 'zstd',
 *   records: [{ key: 'k', value: 'v', headers: [['trace', null], ['tag', 'a'], ['tag', 'b']] }],
 * });
 */
export async function produceWithConsoleProducer(options: ConsoleProduceOptions): Promise<void> {
  options.records.forEach(checkRecord);
  const child = spawn(javaCommand(), consoleProducerArguments(options), { stdio: ['pipe', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-20_000)));
  const timeoutMs = options.timeoutMs ?? 120_000;
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  // A producer that exits early closes its stdin: its exit code and stderr tell why.
  const written = pipeline(Readable.from(recordLines(options.records)), child.stdin).catch(() => undefined);
  try {
    const [code] = await Promise.all([exited, written]);
    if (timedOut) throw new Error(`the console producer did not finish within ${timeoutMs} ms:\n${stderr}`);
    if (code !== 0 || /^ERROR /m.test(stderr)) throw new Error(`the console producer failed (exit ${code}):\n${stderr}`);
  } finally {
    clearTimeout(deadline);
  }
}

function consoleProducerArguments(options: ConsoleProduceOptions): string[] {
  const { kafkaLibs } = infraPaths();
  if (!fs.readdirSync(kafkaLibs).some((name) => /^kafka-tools-\d.*\.jar$/.test(name))) {
    throw new Error(`no kafka-tools jar in ${kafkaLibs}: run \`npm run infra:up\` (it fetches the jars of dev/infra/kafka-pom.xml)`);
  }
  const reader = {
    'parse.key': 'true',
    'parse.headers': 'true',
    'key.separator': keySeparator,
    'headers.delimiter': headersDelimiter,
    'headers.separator': headersSeparator,
    'headers.key.separator': headerKeySeparator,
    'null.marker': nullMarker,
  };
  // The tool's own request timeout is 1.5 s: too short on a loaded machine.
  const producer = { 'request.timeout.ms': 30_000, ...options.properties };
  return [
    `-Xmx${options.heap ?? '256m'}`,
    `-Dlog4j2.configurationFile=${path.join(__dirname, 'consoleProducerLog4j2.properties')}`,
    '-cp',
    path.join(kafkaLibs, '*'),
    'org.apache.kafka.tools.ConsoleProducer',
    '--bootstrap-server',
    options.brokers.join(','),
    '--topic',
    options.topic,
    '--compression-codec',
    options.compression ?? 'none',
    ...Object.entries(reader).flatMap(([name, value]) => ['--reader-property', `${name}=${value}`]),
    ...Object.entries(producer).flatMap(([name, value]) => ['--command-property', `${name}=${value}`]),
  ];
}

let java: string | undefined;

function javaCommand(): string {
  java ??= resolveJava();
  return java;
}

function checkRecord(record: ConsoleRecord, index: number): void {
  const texts = [record.key, typeof record.value === 'object' && record.value !== null ? record.value.repeat : record.value, ...(record.headers ?? []).flat()];
  if (texts.some((text) => text !== null && reserved.test(text))) {
    throw new TypeError(`record ${index} holds a line break or one of the console producer's separators (U+0018, U+001C-U+001F)`);
  }
  if (typeof record.value === 'object' && record.value !== null && !(Number.isSafeInteger(record.value.times) && record.value.times >= 0)) {
    throw new TypeError(`record ${index}: repeat times must be a whole number, not ${record.value.times}`);
  }
}

/** The reader's lines: headers, key and value; a huge repeated value in chunks of about 1 MiB. */
function* recordLines(records: readonly ConsoleRecord[]): Generator<string> {
  for (const record of records) {
    const headers = record.headers?.length ? record.headers.map(([name, value]) => `${name}${headerKeySeparator}${value ?? nullMarker}`).join(headersSeparator) : nullMarker;
    yield `${headers}${headersDelimiter}${record.key ?? nullMarker}${keySeparator}`;
    if (typeof record.value === 'object' && record.value !== null) yield* repeated(record.value);
    else yield record.value ?? nullMarker;
    yield '\n';
  }
}

function* repeated({ repeat, times }: RepeatedText): Generator<string> {
  const perChunk = Math.max(1, Math.floor(1_048_576 / Math.max(1, repeat.length)));
  for (let done = 0; done < times; done += perChunk) yield repeat.repeat(Math.min(perChunk, times - done));
}
