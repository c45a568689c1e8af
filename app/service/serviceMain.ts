// First: tracing must be running before kafkajs is loaded.
import '../../src/telemetry/registerTelemetry';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadRelayConfig, relayEnvironmentVariables } from '../../src/config/relayConfig';
import { ConfigurationError } from '../../src/errors';
import { createLogger, maskSecrets } from '../../src/logging/logger';
import { currentMetricsPipeline } from '../../src/telemetry/metricsPipeline';
import { activeTelemetry } from '../../src/telemetry/telemetry';
import { growConsumerHeapSlowly } from './consumerHeapGrowth';
import { RelayService } from './relayService';

const usage = `Usage: npm start [-- --role consumer|worker|both]

Runs research-relay until SIGINT/SIGTERM: the ingest consumer (research.requested → Temporal)
and the worker (planner, searchers, writer → research.completed / research.failed).
Run the roles in separate processes to scale them apart.

Configuration comes from environment variables: ${relayEnvironmentVariables.join(', ')}.`;

/**
 * How long a stop signal that came during start-up waits for it to finish (a start that retries
 * an unreachable broker takes minutes, longer than a supervisor's grace period).
 */
const startUpStopGraceMs = 10_000;

/**
 * The first SIGINT or SIGTERM, listened for before start-up begins: one that comes while the
 * service starts is not node's default "die at once" but an ordinary shutdown as soon as it has
 * started. Both listeners go with the first signal, so a second one (of either kind) has node's
 * default effect and a stuck shutdown can still be ended.
 */
function firstStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { role: { type: 'string', default: process.env.RELAY_ROLE ?? 'both' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    console.log(usage);
    return 0;
  }
  if (!['consumer', 'worker', 'both'].includes(values.role)) {
    console.error(`--role must be consumer, worker or both (got "${values.role}")\n\n${usage}`);
    return 2;
  }
  const config = loadRelayConfig(process.env);
  const logger = createLogger({ level: config.logLevel, name: 'research-relay' });
  const roles = { consumer: values.role !== 'worker', worker: values.role !== 'consumer' };
  const signalled = firstStopSignal();
  let started = false;
  void signalled.then((signal) => {
    if (started) return;
    logger.info('stop requested while starting: the service stops as soon as it has started', { signal, graceMs: startUpStopGraceMs });
    setTimeout(() => {
      if (started) return;
      // As a crash would: starts are idempotent and only what Temporal acknowledged is committed.
      logger.warn('start-up did not finish within the grace after the stop signal (a server unreachable?): exiting without an ordered shutdown', { signal, graceMs: startUpStopGraceMs });
      process.exit(128 + os.constants.signals[signal]);
    }, startUpStopGraceMs).unref();
  });
  if (!roles.worker) {
    const flag = growConsumerHeapSlowly(config.consumerHeapGrowingPercent);
    if (flag) logger.info('consumer-only process: V8 grows the heap slowly, for a small footprint (CONSUMER_HEAP_GROWING_PERCENT)', { v8Flag: flag });
  }
  if (roles.worker) {
    // Only for the worker: Runtime comes with @temporalio/worker and its native core, which a
    // consumer-only process would otherwise load for nothing.
    const { installTemporalRuntimeLogging } = await import('./temporalRuntimeLogging.js');
    installTemporalRuntimeLogging(logger, config.logLevel === 'debug' ? 'INFO' : 'WARN');
  }
  const service = await RelayService.start({ config, logger, roles });
  started = true;
  const ended = await Promise.race([
    signalled,
    service.workerDone.then(() => 'worker-exit' as const, () => 'worker-failed' as const),
    // A consumer kafkajs will not restart ingests nothing: exit non-zero so the supervisor restarts the process.
    service.consumerCrashed.catch(() => 'consumer-crashed' as const),
  ]);
  logger.info('shutting down', { reason: ended });
  await service.stop();
  await Promise.all([activeTelemetry().shutdown(), currentMetricsPipeline()?.shutdown()]);
  logger.info('stopped');
  return ended === 'worker-failed' || ended === 'consumer-crashed' ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    // Not through the logger, but masked all the same: a server's error may quote a credential.
    console.error(maskSecrets(error instanceof ConfigurationError ? error.message : `research-relay: ${error instanceof Error ? error.message : String(error)}`));
    process.exit(1);
  },
);
