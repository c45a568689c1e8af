import { goodRecords } from './chaosRecord';
import type { ChaosScenario, ScenarioContext } from './chaosScenario';
import { describeExit, type RelayProcess } from './relayProcess';
import { until } from './scenarioWaits';

/** Records per second spread so that producing goes on through a fault of about `seconds`, never above the scale's rate. */
export function spreadRate(context: ScenarioContext, count: number, seconds: number): number {
  return Math.min(context.scale.ratePerSecond, Math.max(0.5, count / seconds));
}

/**
 * SIGKILLs the consumer that starts runs first from a burst of records sent all at once, while
 * the burst is still being started: its offsets are behind, so its partitions' records come
 * again to the others. Returns the proof, or undefined when the kill came too late.
 */
async function killConsumerMidBatch(context: ScenarioContext, burst: ScenarioContext['records']): Promise<string | undefined> {
  const consumers = context.fleet.live('consumer');
  const before = new Map(consumers.map((relay) => [relay, relay.started]));
  const startedBefore = context.fleet.startedTotal();
  const sending = context.traffic.sendAll(burst);
  let victim: RelayProcess | undefined;
  await until(() => (victim = consumers.find((relay) => relay.started > (before.get(relay) ?? 0))) !== undefined, 60_000, 'a consumer to start a run of the burst');
  if (!victim) return undefined;
  const exit = await context.fleet.signal(victim, 'SIGKILL');
  const startedAtKill = context.fleet.startedTotal() - startedBefore;
  await sending;
  const replacement = await context.fleet.start('consumer');
  context.log(`${victim.name} SIGKILLed after ${startedAtKill}/${burst.length} starts of the burst; ${replacement.name} joined`);
  return exit.signal === 'SIGKILL' && startedAtKill < burst.length ? `${victim.name} SIGKILLed mid-batch (${startedAtKill} starts since a burst of ${burst.length} was sent), ${replacement.name} took its place` : undefined;
}

/**
 * Two consumers and three workers; while requests are produced steadily, each process is
 * replaced in turn as a rolling update with surge does it (the new one ready, then the old one
 * SIGTERMed and its exit awaited), and between the consumers and the workers one consumer is
 * SIGKILLed mid-batch.
 */
export const fleetRollingRestart: ChaosScenario = {
  id: 9,
  title: 'rolling restart, 2 consumers + 3 workers',
  description:
    'two consumers and three workers; while requests are produced steadily, every relay process is replaced in turn (its replacement started and ready, then it is SIGTERMed and must exit 0 after draining), and between the consumers and the workers one consumer is SIGKILLed mid-batch (a burst of requests, ingest concurrency 2): nothing lost, no second run',
  needsServerControl: false,
  consumers: 2,
  workers: 3,
  // Runs take a while, so a worker is SIGTERMed with activities in flight and must drain them.
  modelLatencyMs: 100,
  env: { INGEST_CONCURRENCY: '2' },
  records: (tag, scale) => goodRecords(tag, scale.requests),
  async drive(context) {
    const total = context.records.length;
    const burstSize = Math.max(6, Math.round(total / 4));
    const steady = context.records.slice(0, total - burstSize);
    const burst = context.records.slice(total - burstSize);
    // Five replacements take about 40 s on two cores: the steady records are spread over that.
    const sending = context.traffic.sendSteadily(steady, spreadRate(context, steady.length, 40));
    await context.traffic.waitSent(Math.ceil(steady.length / 10));
    const originals = [...context.fleet.live('consumer'), ...context.fleet.live('worker')];
    const steps: string[] = [];
    let orderly = true;
    let killed: string | undefined;
    let stepsWhileProducing = 0;
    for (const old of originals) {
      const sentBefore = context.traffic.sent;
      const replacement = await context.fleet.start(old.role);
      const exit = await context.fleet.signal(old, 'SIGTERM');
      orderly &&= exit.code === 0;
      if (context.traffic.sent > sentBefore) stepsWhileProducing += 1;
      steps.push(`${old.name} → ${replacement.name} (${exit.code === 0 ? 'exit 0' : describeExit(exit)})`);
      context.log(`${steps.at(-1) ?? ''}; ${context.traffic.sent}/${total} sent`);
      if (old.role === 'consumer' && !originals.some((other) => other.role === 'consumer' && other.alive)) killed = await killConsumerMidBatch(context, burst);
    }
    context.faultEnded();
    await sending;
    const summary = `${steps.join(', ')}; ${stepsWhileProducing} of ${originals.length} replacements while requests were being sent`;
    if (orderly && killed) context.fired(`${summary}; ${killed}`);
    else context.note(`${summary}; ${killed ?? 'the consumer kill did not land mid-batch'}${orderly ? '' : '; a SIGTERMed process did not exit 0'}`);
  },
  afterDrain(context) {
    context.note(`redelivered records that found their run: ${context.fleet.duplicatesTotal()}; starts per consumer: ${context.fleet.processes.filter((relay) => relay.role === 'consumer').map((relay) => `${relay.name} ${relay.started}`).join(', ')}`);
  },
};
