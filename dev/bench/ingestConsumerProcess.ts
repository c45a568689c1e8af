/**
 * The ingest consumer alone, in its own process, for the benchmark: one line per
 * acknowledged record ("ack <producedAtMs> <ackedAtMs>") on stdout, and its peak RSS
 * ("rss <bytes>") when it stops on SIGTERM.
 */
// First: tracing must be running before kafkajs is loaded.
import '../../src/telemetry/registerTelemetry';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { createLogger } from '../../src/logging/logger';
import { RelayService } from '../../app/service/relayService';

async function main(): Promise<void> {
  const config = loadRelayConfig(process.env);
  const lines: string[] = [];
  const flush = (): void => {
    if (lines.length > 0) process.stdout.write(lines.splice(0).join(''));
  };
  const flusher = setInterval(flush, 100);
  const service = await RelayService.start({
    config,
    logger: createLogger({ level: 'warn', name: 'bench-consumer' }),
    roles: { consumer: true, worker: false },
    onOutcome: (outcome) => lines.push(`ack ${outcome.producedAt} ${Date.now()}\n`),
  });
  process.stdout.write('ready\n');
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  await service.stop();
  clearInterval(flusher);
  flush();
  process.stdout.write(`rss ${process.resourceUsage().maxRSS * 1024}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
