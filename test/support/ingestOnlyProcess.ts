/**
 * A consumer-only research-relay in its own process, so a test can SIGKILL it. Reads the
 * harness's configuration from the environment; with KILL_AFTER_STARTS=N it kills itself
 * the moment the N-th workflow start is acknowledged by Temporal — before that offset can
 * be committed.
 */
// First: tracing must be running before kafkajs is loaded.
import '../../src/telemetry/registerTelemetry';
import { loadRelayConfig } from '../../src/config/relayConfig';
import { silentLogger } from '../../src/logging/logger';
import { RelayService } from '../../app/service/relayService';

async function main(): Promise<void> {
  const killAfter = Number(process.env.KILL_AFTER_STARTS ?? 0);
  let started = 0;
  await RelayService.start({
    config: loadRelayConfig(process.env),
    logger: silentLogger,
    roles: { consumer: true, worker: false },
    onOutcome: (outcome) => {
      if (outcome.kind !== 'started') return;
      started += 1;
      process.stdout.write(`started ${outcome.workflowId}\n`);
      if (killAfter > 0 && started >= killAfter) process.kill(process.pid, 'SIGKILL');
    },
  });
  process.stdout.write('consumer ready\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
