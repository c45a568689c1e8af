import { streamDeadLetters, type DeadLetter, type DeadLetterFilter } from '../../operator/deadLetters/deadLetterReader';
import { redriveDeadLetters, type RedriveResult } from '../../operator/deadLetters/deadLetterRedrive';
import type { CliContext } from './cliContext';
import { commandArgs, positiveInteger } from './commandArgs';
import { UsageError } from './usageError';

export const dlqUsage = `Usage: research-relay dlq <list | redrive> [options]

  list      show the dead-lettered requests: where they came from, why, and their bytes
  redrive   take matching dead letters through the intake path again (after a fix): a letter
            that now decodes starts its run (once: redriving twice is harmless); one that
            still fails is reported with its reason and stays in the DLQ; a cancel event is
            never redriven (send a new one: research-relay cancel <requestId>)

Options:
  --where reason=R        only records dead-lettered for this reason (not-json, schema-violation,
                          too-large, missing-key, key-mismatch, unsupported-type,
                          unsupported-specversion, start-rejected, expired)
  --where key=K           only records with this key
  --limit N               list: at most N records (the newest)
  --dry-run               redrive: show what would start, start nothing
  --json                  machine-readable output
  -h, --help`;

export async function dlqCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = commandArgs(args, { where: { type: 'string', multiple: true }, limit: { type: 'string' }, 'dry-run': { type: 'boolean' } }, dlqUsage);
  const action = positionals[0];
  if (values.help || action === undefined) {
    console.log(dlqUsage);
    return values.help ? 0 : 2;
  }
  const filter = parseFilter(values.where ?? []);
  const limit = positiveInteger(values.limit, '--limit', dlqUsage);
  if (action === 'list') return listDeadLetters(context, filter, limit, values.json ?? false);
  if (action === 'redrive') {
    const dryRun = values['dry-run'] ?? false;
    const stop = new AbortController();
    process.once('SIGINT', () => stop.abort());
    const temporal = await context.temporal();
    const result = await redriveDeadLetters({ kafka: context.kafka(), temporal, config: context.config, logger: context.logger, filter, dryRun, signal: stop.signal });
    printRedrive(result, dryRun, values.json ?? false);
    return 0;
  }
  throw new UsageError(`unknown dlq action "${action}"`, dlqUsage);
}

/**
 * Prints dead letters as they are read: every matching one, or with --limit N only the N
 * newest, kept in a buffer of N — the DLQ is never held in memory whole.
 */
async function listDeadLetters(context: CliContext, filter: DeadLetterFilter, limit: number | undefined, json: boolean): Promise<number> {
  const print = (letter: DeadLetter): void => (json ? console.log(JSON.stringify(withoutRaw(letter))) : printLetter(letter));
  const newest: DeadLetter[] = [];
  let matched = 0;
  const total = await streamDeadLetters(context.kafka(), context.config, filter, (letter) => {
    matched += 1;
    if (limit === undefined) return print(letter);
    newest.push(letter);
    // Sorted and trimmed in batches: memory stays within 2·limit, time near-linear.
    if (newest.length >= 2 * limit) keepNewest(newest, limit);
  });
  keepNewest(newest, limit ?? newest.length);
  newest.forEach(print);
  if (!json) {
    const shown = limit === undefined ? matched : newest.length;
    const scope = Object.keys(filter).length ? ` matching the filter (${total} in all)` : '';
    console.log(matched === 0 ? `no dead letters on ${context.config.topics.deadLetter}${scope}` : `${shown} of ${matched} dead letters${scope}`);
  }
  return 0;
}

/** Sorts letters by dead-letter time and keeps the newest `limit`, in place. */
function keepNewest(letters: DeadLetter[], limit: number): void {
  letters.sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt));
  letters.splice(0, Math.max(0, letters.length - limit));
}

function printLetter(letter: DeadLetter): void {
  console.log(`${letter.partition}:${letter.offset}  ${letter.reason}  key=${letter.key ?? '(none)'}  from ${letter.source.topic}[${letter.source.partition}]@${letter.source.offset}  ${letter.deadLetteredAt}`);
  console.log(`    ${letter.detail.slice(0, 160)}`);
  if (letter.valueOmitted) console.log(`    value omitted (too large for the DLQ): ${letter.valueOmitted.size} bytes, sha256 ${letter.valueOmitted.sha256}; the original is at its source offset`);
  else console.log(`    value (${letter.valueEncoding}): ${letter.value.slice(0, 120)}${letter.value.length > 120 ? '…' : ''}`);
}

function printRedrive(result: RedriveResult, dryRun: boolean, json: boolean): void {
  if (json) {
    const stillInvalid = result.stillInvalid.map(({ letter, reason, detail }) => ({ ...withoutRaw(letter), reason, detail }));
    console.log(JSON.stringify({ dryRun, started: result.started.map(withoutRaw), existing: result.existing.map(withoutRaw), stillInvalid, cancels: result.cancels.map(withoutRaw), duplicates: result.duplicates }));
    return;
  }
  const where = (letter: DeadLetter): string => `${letter.partition}:${letter.offset} (${letter.reason}, key ${letter.key ?? '(none)'})`;
  for (const letter of result.started) console.log(`${dryRun ? 'would start' : 'started'} ${where(letter)}`);
  for (const letter of result.existing) console.log(`already has a run: ${where(letter)}`);
  for (const { letter, reason, detail } of result.stillInvalid) console.log(`still invalid (${reason}): ${where(letter)}: ${detail.slice(0, 160)}`);
  for (const letter of result.cancels) console.log(`not redriven, a cancel event: ${where(letter)} (send a new one with research-relay cancel ${letter.key ?? '<requestId>'})`);
  const redriven = result.started.length + result.existing.length;
  const skipped = result.duplicates ? `, ${result.duplicates} duplicate dead letter(s) of the same source records skipped` : '';
  const cancels = result.cancels.length ? `, ${result.cancels.length} cancel event(s) not redriven` : '';
  console.log(`${redriven} record(s) ${dryRun ? 'would be ' : ''}redriven (${result.started.length} ${dryRun ? 'would start' : 'started'}), ${result.stillInvalid.length} still invalid${cancels}${skipped}`);
}

function parseFilter(where: string[]): DeadLetterFilter {
  const filter: { reason?: string; key?: string } = {};
  for (const entry of where) {
    const match = /^(reason|key)=(.+)$/.exec(entry);
    if (!match?.[1] || !match[2]) throw new UsageError(`--where "${entry}" is not reason=R or key=K`, dlqUsage);
    filter[match[1] as 'reason' | 'key'] = match[2];
  }
  return filter;
}

function withoutRaw(letter: DeadLetter): Omit<DeadLetter, 'raw'> {
  const { raw: _raw, ...rest } = letter;
  return rest;
}
