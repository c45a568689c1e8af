import { SpanKind } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { operatorAttempts, RequestIntake, type IntakeMode, type IntakeOutcome } from '../../src/intake/requestIntake';
import { createKafka } from '../../src/kafka/kafkaClient';
import { defineHeader } from '../../src/kafka/messageHeaders';
import { silentLogger, type Logger } from '../../src/logging/logger';
import { otelContextFromHeaders } from '../../src/telemetry/traceContext';
import { relayTracer } from '../../src/telemetry/tracer';
import { withTemporalClient } from '../../src/temporal/temporalClient';
import { readDeadLetters, type DeadLetter, type DeadLetterFilter } from './deadLetterReader';

export interface RedriveOptions {
  /** Default: built from `config` (KAFKA_* variables). */
  readonly kafka?: Kafka;
  /** Default: connected from `config` (TEMPORAL_* variables), closed at the end. */
  readonly temporal?: Client;
  /** Default: loadRelayConfig(process.env) — the fix (a raised limit, …) is in this configuration. */
  readonly config?: RelayConfig;
  readonly logger?: Logger;
  readonly filter?: DeadLetterFilter;
  /** Say what would start; start nothing. */
  readonly dryRun?: boolean;
  readonly signal?: AbortSignal;
}

export interface RedriveResult {
  /** Letters whose runs started now (in a dry run: would start). */
  readonly started: DeadLetter[];
  /** Letters whose request already has a run (redriven before, or sent again meanwhile). */
  readonly existing: DeadLetter[];
  /** Letters that still fail the intake path; they stay in the DLQ, nothing is written. */
  readonly stillInvalid: { readonly letter: DeadLetter; readonly reason: string; readonly detail: string }[];
  /** Further letters of a source record already taken (it was dead-lettered more than once). */
  readonly duplicates: number;
  /**
   * Letters that now decode as research.cancel events: never redriven (a cancel belongs to its
   * moment; one delivered late would cancel a run its sender never meant), left where they are.
   */
  readonly cancels: DeadLetter[];
}

/** Redrive: a letter already sits in the DLQ, so one that still fails is reported, not written again. */
const redriveMode: IntakeMode = { conflict: 'use-existing', deadLetters: 'leave', cancels: 'skip', trace: 'continue' };

/**
 * Takes matching dead letters through the intake path again after a fix (a raised size
 * limit, an accepted event type, a repaired producer): a letter that now decodes starts its
 * run — idempotently, so redriving twice is harmless — and one that still fails is reported
 * with its reason and left where it is. A letter that now decodes as a research.cancel event
 * is reported and never delivered. Each run joins the trace of the request it came from.
 *
 * @example
 * const result = await redriveDeadLetters({ filter: { reason: 'too-large' } });
 * console.log(`${result.started.length} started, ${result.stillInvalid.length} still invalid`);
 */
export async function redriveDeadLetters(options: RedriveOptions = {}): Promise<RedriveResult> {
  const config = options.config ?? loadRelayConfig(process.env);
  const logger = options.logger ?? silentLogger;
  const kafka = options.kafka ?? createKafka(config.kafka, logger, 'redrive');
  return withTemporalClient(config.temporal, options.temporal, (temporal) => redriveWith({ ...options, kafka, temporal, config, logger }));
}

async function redriveWith(options: RedriveOptions & { kafka: Kafka; temporal: Client; config: RelayConfig; logger: Logger }): Promise<RedriveResult> {
  const letters = await readDeadLetters(options.kafka, options.config, options.filter ?? {});
  const unique = uniqueBySource(letters);
  const intake = new RequestIntake({ temporal: options.temporal, config: options.config, logger: options.logger });
  const mode: IntakeMode = options.dryRun ? { ...redriveMode, deadLetters: 'count' } : redriveMode;
  const signal = options.signal ?? new AbortController().signal;
  const result: RedriveResult = { started: [], existing: [], stillInvalid: [], duplicates: letters.length - unique.length, cancels: [] };
  for (const letter of unique) {
    if (letter.reason === 'expired' && options.filter?.reason !== 'expired') {
      // Its run may have aged out of Temporal: starting it again could run the request twice.
      result.stillInvalid.push({ letter, reason: 'expired', detail: 'expired letters are redriven only when asked for by name (--where reason=expired)' });
      continue;
    }
    if (letter.valueOmitted) {
      const { size, sha256 } = letter.valueOmitted;
      const at = `${letter.source.topic}/${letter.source.partition}/${letter.source.offset}`;
      result.stillInvalid.push({ letter, reason: 'value-omitted', detail: `the letter holds no value; the original (${size} bytes, sha256 ${sha256}) is at ${at}` });
      continue;
    }
    const control = { signal, canContinue: () => !signal.aborted, maxAttempts: operatorAttempts };
    const outcome = await inRedriveSpan(letter, () => intake.admit(originalRecord(letter), letter.source, mode, control));
    if (!outcome) break;
    if (outcome.kind === 'started') result.started.push(letter);
    else if (outcome.kind === 'duplicate') result.existing.push(letter);
    else if (outcome.kind === 'dead-lettered') result.stillInvalid.push({ letter, reason: outcome.reason, detail: outcome.detail });
    else if (outcome.kind === 'cancel') result.cancels.push(letter);
  }
  return result;
}

/** A `research.redrive` span continuing the trace of the request the letter holds. */
function inRedriveSpan(letter: DeadLetter, run: () => Promise<IntakeOutcome | undefined>): Promise<IntakeOutcome | undefined> {
  const attributes = { 'messaging.system': 'kafka', 'research.redrive.source': `${letter.source.topic}/${letter.source.partition}/${letter.source.offset}` };
  return relayTracer().startActiveSpan('research.redrive', { kind: SpanKind.CONSUMER, attributes }, otelContextFromHeaders(letter.raw.headers), async (span) => {
    try {
      return await run();
    } finally {
      span.end();
    }
  });
}

/** Each source record once, even if it was dead-lettered more than once. */
function uniqueBySource(letters: DeadLetter[]): DeadLetter[] {
  const seen = new Set<string>();
  return letters.filter((letter) => {
    const id = `${letter.source.topic}/${letter.source.partition}/${letter.source.offset}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** The record as its producer sent it: the letter's key, value and headers without the dlq.* ones. */
function originalRecord(letter: DeadLetter): KafkaMessage {
  const headers: IHeaders = {};
  for (const [name, value] of Object.entries(letter.raw.headers ?? {})) {
    if (!name.startsWith('dlq.') && value !== undefined) defineHeader(headers, name, value);
  }
  return { ...letter.raw, headers } as KafkaMessage;
}
