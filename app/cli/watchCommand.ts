import { createResearchClient } from '../../src/client/researchClient';
import type { CliContext } from './cliContext';
import { commandArgs } from './commandArgs';
import { describeResult } from './requestCommand';

export const watchUsage = `Usage: research-relay watch [options]

Streams research.completed and research.failed as they arrive, until Ctrl-C.

Options:
  --from-beginning      also show results already on the topics
  --request-id ID       only this request's results
  --json                one JSON object per line (kind, event)
  -h, --help`;

export async function watchCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = commandArgs(args, { 'from-beginning': { type: 'boolean' }, 'request-id': { type: 'string' } }, watchUsage);
  if (values.help) {
    console.log(watchUsage);
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const client = createResearchClient({ kafka: context.kafka(), topics: context.config.topics });
  try {
    if (!values.json) console.error(`watching ${context.config.topics.completed} and ${context.config.topics.failed} (Ctrl-C to stop)`);
    for await (const result of client.subscribe({
      fromBeginning: values['from-beginning'] ?? false,
      signal: stop.signal,
      ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
    })) {
      console.log(values.json ? JSON.stringify({ kind: result.kind, event: result.event }) : `${describeResult(result, context)}\n`);
    }
    return 0;
  } finally {
    await client.close();
  }
}
