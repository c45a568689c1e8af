import type { Client } from '@temporalio/client';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { RelayConfig } from '../../src/config/relayConfig';
import { RequestIntake, type IntakeMode } from '../../src/intake/requestIntake';
import type { Logger } from '../../src/logging/logger';
import { readDeadLetters, type DeadLetter, type DeadLetterFilter } from './deadLetterReader';

export interface RedriveResult {
  /** Letters whose runs started now (in a dry run: would start). */
  readonly started: DeadLetter[];
  /** Letters whose request already has a run (redriven before, or sent again meanwhile). */
  readonly existing: DeadLetter[];
  /** Letters that still fail the intake path; they stay in the DLQ, nothing is written. */
  readonly stillInvalid: { readonly letter: DeadLetter; readonly reason: string; readonly detail: string }[];
  /** Further letters of a source record already taken (it was dead-lettered more than once). */
  readonly duplicates: number;
}

/** Redrive: a letter already sits in the DLQ, so one that still fails is reported, not written again. */
const redriveMode: IntakeMode = { conflict: 'use-existing', deadLetters: 'leave', trace: 'continue' };

/**
 * Takes matching dead letters through the intake path again after a fix (a raised size
 * limit, an accepted event type, a repaired producer): a letter that now decodes starts its
 * run — idempotently, so redriving twice is harmless — and one that still fails is reported
 * with its reason and left where it is.
 *
 * @example
 * const result = await redriveDeadLetters({ kafka, temporal, config, logger }, { reason: 'too-large' });
 * console.log(`${result.started.length} started, ${result.stillInvalid.length} still invalid`);
 */
export async function redriveDeadLetters(
  deps: { kafka: Kafka; temporal: Client; config: RelayConfig; logger: Logger },
  filter: DeadLetterFilter = {},
  options: { dryRun?: boolean; signal?: AbortSignal } = {},
): Promise<RedriveResult> {
  const letters = await readDeadLetters(deps.kafka, deps.config, filter);
  const unique = uniqueBySource(letters);
  const intake = new RequestIntake({ temporal: deps.temporal, config: deps.config, logger: deps.logger });
  const mode: IntakeMode = options.dryRun ? { ...redriveMode, deadLetters: 'count' } : redriveMode;
  const signal = options.signal ?? new AbortController().signal;
  const result: RedriveResult = { started: [], existing: [], stillInvalid: [], duplicates: letters.length - unique.length };
  for (const letter of unique) {
    const outcome = await intake.admit(originalRecord(letter), letter.source, mode, { signal, canContinue: () => !signal.aborted });
    if (!outcome) break;
    if (outcome.kind === 'started') result.started.push(letter);
    else if (outcome.kind === 'duplicate') result.existing.push(letter);
    else if (outcome.kind === 'dead-lettered') result.stillInvalid.push({ letter, reason: outcome.reason, detail: outcome.detail });
  }
  return result;
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
    if (!name.startsWith('dlq.') && value !== undefined) headers[name] = value;
  }
  return { ...letter.raw, headers } as KafkaMessage;
}
