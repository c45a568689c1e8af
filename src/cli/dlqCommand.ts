import { readDeadLetters, redriveDeadLetters, type DeadLetter, type DeadLetterFilter } from '../../consumers/deadLetterRedrive';
import type { CliContext } from './cliContext';
import { commandArgs, positiveInteger } from './commandArgs';
import { UsageError } from './usageError';

export const dlqUsage = `Usage: research-relay dlq <list | redrive> [options]

  list      show the dead-lettered requests: where they came from, why, and their bytes
  redrive   send matching dead letters back to their source topic (after a fix)

Options:
  --where reason=R        only records dead-lettered for this reason (not-json, schema-violation,
                          too-large, missing-key, key-mismatch, unsupported-type)
  --where key=K           only records with this key
  --limit N               list: at most N records (the newest)
  --dry-run               redrive: show what would be sent, send nothing
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
  if (action === 'list') {
    const letters = await readDeadLetters(context.kafka(), context.config, filter);
    const shown = limit ? letters.slice(-limit) : letters;
    if (values.json) {
      for (const letter of shown) console.log(JSON.stringify(withoutRaw(letter)));
    } else if (shown.length === 0) {
      console.log(`no dead letters on ${context.config.topics.deadLetter}${Object.keys(filter).length ? ' matching the filter' : ''}`);
    } else {
      for (const letter of shown) {
        console.log(`${letter.partition}:${letter.offset}  ${letter.reason}  key=${letter.key ?? '(none)'}  from ${letter.source.topic}[${letter.source.partition}]@${letter.source.offset}  ${letter.deadLetteredAt}`);
        console.log(`    ${letter.detail.slice(0, 160)}`);
        console.log(`    value (${letter.valueEncoding}): ${letter.value.slice(0, 120)}${letter.value.length > 120 ? '…' : ''}`);
      }
      console.log(`${shown.length} of ${letters.length} dead letters`);
    }
    return 0;
  }
  if (action === 'redrive') {
    const result = await redriveDeadLetters(context.kafka(), context.config, filter, { dryRun: values['dry-run'] ?? false });
    if (values.json) {
      console.log(JSON.stringify({ dryRun: values['dry-run'] ?? false, redriven: result.redriven.map(withoutRaw), duplicates: result.duplicates }));
    } else {
      for (const letter of result.redriven) console.log(`${values['dry-run'] ? 'would send' : 'sent'} ${letter.partition}:${letter.offset} (${letter.reason}, key ${letter.key ?? '(none)'}) → ${letter.source.topic}`);
      console.log(`${result.redriven.length} record(s) ${values['dry-run'] ? 'would be ' : ''}redriven${result.duplicates ? `, ${result.duplicates} duplicate dead letter(s) of the same source records skipped` : ''}`);
    }
    return 0;
  }
  throw new UsageError(`unknown dlq action "${action}"`, dlqUsage);
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
