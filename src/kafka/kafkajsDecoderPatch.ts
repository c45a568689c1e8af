import Module, { createRequire } from 'node:module';
import path from 'node:path';
import { kafkajsModulePaths } from './kafkajsProtocolInternals';
import { decodeRecordBatch } from './recordBatchDecoder';

const moduleCache = createRequire(__filename).cache;
let installed = false;

/**
 * Makes kafkajs 2.2.4 (its last release) read fetched record batches with decodeRecordBatch:
 * with its own decoder one record a Java or librdkafka producer may send stops a consumer group
 * (thousands of headers block the event loop for minutes, a gzip bomb inflates unbounded, a
 * snappy, lz4 or zstd batch fails every fetch of its partition). kafkajs requires that decoder
 * only from fetch/v4/decodeMessages.js, itself loaded at the first fetch: ours is put in the
 * module cache under the decoder's file name, so that require finds it. Installed once per
 * process, for every kafkajs client in it.
 */
export function installRecordBatchDecoder(): void {
  if (installed) return;
  const ours = new Module(kafkajsModulePaths.recordBatchDecoder);
  ours.filename = kafkajsModulePaths.recordBatchDecoder;
  ours.loaded = true;
  ours.exports = decodeRecordBatch;
  moduleCache[kafkajsModulePaths.recordBatchDecoder] = ours;
  if (moduleCache[kafkajsModulePaths.decodeMessages]) forgetFetchResponseDecoders();
  installed = true;
}

/**
 * A fetch before the install bound kafkajs's own decoder into decodeMessages and the fetch
 * response modules that require it. Dropping them from the module cache is safe: kafkajs's fetch
 * request table (protocol/requests/fetch/index.js) requires its vN/response module anew for every
 * request, so the next fetch loads them again, bound to ours, and nothing else keeps them (a
 * response decoded while this runs still uses the original).
 */
function forgetFetchResponseDecoders(): void {
  const fetchFolder = path.dirname(kafkajsModulePaths.fetchRequests) + path.sep;
  for (const file of Object.keys(moduleCache)) {
    if (file.startsWith(fetchFolder) && /[\\/]v\d+[\\/](response|decodeMessages)\.js$/.test(file)) delete moduleCache[file];
  }
}

/** Whether kafkajs's module cache holds decodeRecordBatch where its record batch decoder belongs. */
export function recordBatchDecoderInstalled(): boolean {
  return moduleCache[kafkajsModulePaths.recordBatchDecoder]?.exports === decodeRecordBatch;
}
