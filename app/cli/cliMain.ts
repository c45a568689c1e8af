#!/usr/bin/env node
// First: tracing must be running before kafkajs is loaded.
import '../../src/telemetry/registerCommandTelemetry';
import { ConfigurationError, TemporalUnavailableError } from '../../src/errors';
import { relayEnvironmentVariables } from '../../src/config/relayConfig';
import { maskSecrets } from '../../src/logging/logger';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { createCliContext, type CliContext } from './cliContext';
import { cancelCommand } from './cancelCommand';
import { codecServerCommand } from './codecServerCommand';
import { dlqCommand } from './dlqCommand';
import { replayCommand } from './replayCommand';
import { requestCommand } from './requestCommand';
import { statusCommand } from './statusCommand';
import { traceCommand } from './traceCommand';
import { UsageError } from './usageError';
import { watchCommand } from './watchCommand';

const commands: Record<string, (args: string[], context: CliContext) => Promise<number>> = {
  request: requestCommand,
  cancel: cancelCommand,
  watch: watchCommand,
  replay: replayCommand,
  dlq: dlqCommand,
  status: statusCommand,
  trace: traceCommand,
  'codec-server': codecServerCommand,
};

const usage = `Usage: research-relay <command> [options]

Commands:
  request "<query>"   produce a research request (--wait for its result)
  cancel <requestId>  cancel a request's running run (--reason …)
  watch               stream research.completed and research.failed
  replay              replay a range of research.requested (batch research)
  dlq list|redrive    inspect dead-lettered requests, send them back after a fix
  status <requestId>  a run's state, stage, trace id and Temporal UI link
  trace <requestId>   a run's spans from Phoenix as a waterfall, with LLM tokens and cost
  codec-server        decrypt payloads for the Temporal UI and CLI (remote codec endpoint)

Every command has --help. Configuration comes from environment variables
(${relayEnvironmentVariables.slice(0, 6).join(', ')}, … — see the README).`;

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage);
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) throw new UsageError(`unknown command "${name}"`, usage);
  const context = createCliContext();
  try {
    return await command(args, context);
  } finally {
    await context.close().catch(() => undefined);
    await activeTelemetry().shutdown();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(maskSecrets(`research-relay: ${error.message}\n\n${error.usage}`));
      process.exit(2);
    }
    console.error(maskSecrets(`research-relay: ${explain(error)}`));
    process.exit(1);
  },
);

/** Says what went wrong in terms of the user's setup: which server, which variable. */
function explain(error: unknown): string {
  if (error instanceof ConfigurationError || error instanceof TemporalUnavailableError) return error.message;
  if (error instanceof Error && error.name.startsWith('KafkaJS')) {
    const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
    return `cannot reach Kafka at ${brokers} (KAFKA_BROKERS): ${error.message}`;
  }
  return error instanceof Error ? error.message : String(error);
}
