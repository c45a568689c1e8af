/**
 * `npm run bench [-- --events 2000 --telemetry on|off]`: N request events through the real
 * consumer, Temporal and Kafka, with the stand-in model server at zero latency. Prints figures;
 * asserts nothing.
 *
 *  (a) ingest rate: events → workflow started per second (the consumer draining a backlog)
 *  (b) the ceiling: the same number of starts issued directly by a Temporal client at its
 *      best concurrency, in the same run
 *  (c) a/b
 *  (d) completed runs per second end to end (the worker working off the started runs)
 *  (e) p50 / p99 of event produced → workflow started, at a steady produce rate
 *  (f) the consumer's peak RSS (it runs in its own process)
 *
 * With --telemetry on (the default) every process exports its spans over OTLP gRPC to a real
 * receiver started here; with off, OTEL_SDK_DISABLED=true. Run both to see what tracing costs.
 */
import { parseArgs } from 'node:util';
import { OtlpTraceReceiver } from '../../test/support/otlpTraceReceiver';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '2000' },
      'latency-events': { type: 'string', default: '500' },
      'latency-rate': { type: 'string', default: '20' },
      telemetry: { type: 'string', default: 'on' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    console.log('Usage: npm run bench [-- --events 2000 --latency-events 500 --latency-rate 20 --telemetry on|off]');
    return;
  }
  const events = Number(values.events);
  if (!Number.isInteger(events) || events < 10) throw new Error('--events must be an integer ≥ 10');
  if (!['on', 'off'].includes(values.telemetry)) throw new Error('--telemetry must be on or off');
  let receiver: OtlpTraceReceiver | undefined;
  if (values.telemetry === 'on') {
    receiver = await OtlpTraceReceiver.start({ countOnly: true });
    process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.grpcEndpoint;
    delete process.env.OTEL_SDK_DISABLED;
  } else {
    process.env.OTEL_SDK_DISABLED = 'true';
  }
  // Loaded only now, so that tracing (configured above) starts before kafkajs is loaded.
  const { runBenchmark } = await import('./benchmarkRun.js');
  await runBenchmark({
    events,
    latencyEvents: Number(values['latency-events']),
    latencyRate: Number(values['latency-rate']),
    telemetryLabel: receiver ? `on (OTLP gRPC to a receiver at ${receiver.grpcEndpoint})` : 'off (OTEL_SDK_DISABLED=true)',
  });
  if (receiver) {
    console.log(`spans received by the OTLP receiver: ${receiver.spanCount}`);
    await receiver.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(`bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
