import { createResearchClient } from '../../src/client/researchClient';
import type { RunEvent } from '../../src/client/runEvent';
import type { CliContext } from './cliContext';
import { commandArgs } from './commandArgs';
import { describeResult } from './requestCommand';
import { RunProgressBoard } from './runProgressBoard';

export const watchUsage = `Usage: research-relay watch [options]

Streams research.completed and research.failed as they arrive, until Ctrl-C.

Options:
  --from-beginning      also show results already on the topics
  --request-id ID       only this request's results
  --progress            also the runs' progress (research.progress): a live bar per running request
                        on a terminal, a line per step elsewhere
  --json                one JSON object per line (kind, event); kind "progress" with --progress
  -h, --help`;

export async function watchCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = commandArgs(args, { 'from-beginning': { type: 'boolean' }, 'request-id': { type: 'string' }, progress: { type: 'boolean' } }, watchUsage);
  if (values.help) {
    console.log(watchUsage);
    return 0;
  }
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const client = createResearchClient({ kafka: context.kafka(), topics: context.config.topics });
  const { topics } = context.config;
  const board = new RunProgressBoard(process.stdout);
  const show = (update: RunEvent): void => {
    if (values.json) console.log(JSON.stringify({ kind: update.kind, event: update.event }));
    else if (update.kind === 'progress') board.progress(update.event);
    else board.finish(update.event, `${describeResult(update, context)}\n`);
  };
  try {
    if (!values.json) console.error(`watching ${topics.completed} and ${topics.failed}${values.progress ? ` and ${topics.progress}` : ''} (Ctrl-C to stop)`);
    for await (const update of client.subscribe({
      fromBeginning: values['from-beginning'] ?? false,
      signal: stop.signal,
      progress: values.progress === true,
      ...(values['request-id'] ? { requestId: values['request-id'] } : {}),
    })) {
      show(update);
    }
    return 0;
  } finally {
    board.close();
    await client.close();
  }
}
