import { createResearchClient } from '../../src/client/researchClient';
import { researchCancelSchema } from '../../src/contracts/researchCancel';
import type { CliContext } from './cliContext';
import { commandArgs } from './commandArgs';
import { UsageError } from './usageError';

export const cancelUsage = `Usage: research-relay cancel <requestId> [options]

Sends a research.cancel.v1 event for the request to the cancel topic (TOPIC_CANCEL, default
research.cancel), keyed by the request id. The relay cancels the request's live run if it is running:
model calls in flight are aborted and the run publishes one research.failed with
cancelled: true, the stage it was in and the reason. A run that has finished, or a request id
without a run, is left as it is: a cancel never starts anything (one sent before its request
waits for it, CANCEL_WAIT_FOR_RUN_MS). Reruns (~r<epoch>) are not
affected. See the outcome with: research-relay watch --request-id <requestId> --from-beginning

Options:
  --reason TEXT           why (1–1000 characters); research.failed carries it as cancelReason
  --requested-by WHO      who cancels: logged, and it must be the request's requestedBy
                          where the relay sets CANCEL_REQUIRE_SAME_REQUESTER=true
  --json                  machine-readable output
  -h, --help`;

export async function cancelCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = commandArgs(args, { reason: { type: 'string' }, 'requested-by': { type: 'string' } }, cancelUsage);
  if (values.help) {
    console.log(cancelUsage);
    return 0;
  }
  const requestId = positionals[0];
  if (!requestId || positionals.length > 1) throw new UsageError('give exactly one request id', cancelUsage);
  const options = { ...(values.reason !== undefined ? { reason: values.reason } : {}), ...(values['requested-by'] !== undefined ? { requestedBy: values['requested-by'] } : {}) };
  // The event's own schema checks the command line, before anything connects.
  const checked = researchCancelSchema.safeParse({ requestId, ...options });
  if (!checked.success) {
    const names: Record<string, string> = { requestId: 'the request id', reason: '--reason', requestedBy: '--requested-by' };
    throw new UsageError(checked.error.issues.map((issue) => `${names[String(issue.path[0])] ?? String(issue.path[0])}: ${issue.message}`).join('; '), cancelUsage);
  }
  const client = createResearchClient({ kafka: context.kafka(), topics: context.config.topics });
  try {
    const sent = await client.cancel(requestId, options);
    if (values.json) console.log(JSON.stringify(sent));
    else console.log(`cancel for ${sent.requestId} sent to ${sent.topic}[${sent.partition}]@${sent.offset}`);
    return 0;
  } finally {
    await client.close();
  }
}
