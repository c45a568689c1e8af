import { metrics, type Attributes, type Meter, type MeterProvider, type ObservableResult } from '@opentelemetry/api';
import type { IntakeOutcome } from '../intake/requestIntake';

/*
 * Every instrument of research-relay, in one place (the README's "Metrics and health" lists
 * them). Names follow the OpenTelemetry semantic conventions where one exists (gen_ai.*, and
 * the messaging.* / error.type attributes); the relay's own are research_relay.*. Recording
 * never throws: telemetry must not break the message path.
 */

/** Where a consumed record came from: the ingest instruments' attributes. */
export interface IngestSource {
  readonly topic: string;
  readonly groupId: string;
}

/** One partition's consumer lag: records on it that the group has not committed yet. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  readonly groupId: string;
  readonly lag: number;
}

/** One model call as the GenAI instruments see it. */
export interface ModelCallMetrics {
  readonly agent: string;
  readonly requestModel: string;
  /** The model that answered (absent when no answer came). */
  readonly responseModel?: string;
}

/** Semantic-convention boundaries: gen_ai.client.token.usage (powers of 4) and gen_ai.client.operation.duration (doubling from 10 ms). */
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 4_194_304, 16_777_216, 67_108_864];
const callSecondsBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
/** A run takes seconds with the stand-in, minutes with a hosted model and many searches. */
const runSecondsBuckets = [1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200, 1800, 3600];

function createInstruments(meter: Meter) {
  meter
    .createObservableGauge('research_relay.consumer.lag', { unit: '{record}', description: 'Records on a partition the consumer group has not committed yet (high watermark − committed offset), for the partitions this process holds' })
    .addCallback(observeLags);
  return {
    records: meter.createCounter('research_relay.ingest.records', { unit: '{record}', description: 'Records of the request topic the ingest consumer finished with (started, duplicate, dead-lettered or a cancel)' }),
    starts: meter.createCounter('research_relay.ingest.starts', { unit: '{run}', description: 'Workflow starts of live ingest; result=new started a run, result=duplicate found the request\'s existing run' }),
    cancels: meter.createCounter('research_relay.ingest.cancels', { unit: '{record}', description: 'research.cancel events of live ingest; result=requested cancelled a running run, result=finished found it ended, result=not-found found no run (nothing started)' }),
    deadLetters: meter.createCounter('research_relay.dead_letters', { unit: '{record}', description: 'Records written to the dead-letter topic, by reason' }),
    runs: meter.createCounter('research_relay.runs', { unit: '{run}', description: 'Research runs that published their result: outcome=completed, or outcome=failed with the stage that failed' }),
    runDuration: meter.createHistogram('research_relay.run.duration', { unit: 's', description: 'Duration of completed research runs, from the run\'s start to its result', advice: { explicitBucketBoundaries: runSecondsBuckets } }),
    stageDuration: meter.createHistogram('research_relay.run.stage.duration', { unit: 's', description: 'Time completed runs spent in each stage (plan, search, write)', advice: { explicitBucketBoundaries: runSecondsBuckets } }),
    tokenUsage: meter.createHistogram('gen_ai.client.token.usage', { unit: '{token}', description: 'Tokens of each model answer (input and output), rejected answers included: each billed answer once', advice: { explicitBucketBoundaries: tokenBuckets } }),
    callDuration: meter.createHistogram('gen_ai.client.operation.duration', { unit: 's', description: 'Duration of model calls, the client\'s retries included', advice: { explicitBucketBoundaries: callSecondsBuckets } }),
    cost: meter.createCounter('research_relay.llm.cost', { unit: 'USD', description: 'Estimated cost of model answers (LLM_PRICES / the built-in price table; unknown models cost 0)' }),
  };
}

type Instruments = ReturnType<typeof createInstruments>;

let instruments: { provider: MeterProvider; set: Instruments } | undefined;
/** Each lag source with every series it has reported (a gauge's series outlive the callback's reports). */
const lagSources = new Map<() => Promise<readonly PartitionLag[]>, Map<string, Attributes>>();
/** The series of stopped sources: this process holds none of them any more. */
const releasedLagSeries = new Map<string, Attributes>();

/**
 * The instruments of the current global MeterProvider. Built again when it changes: before a
 * metrics pipeline is registered the API hands out no-op instruments, which must not stick.
 */
function relayInstruments(): Instruments {
  const provider = metrics.getMeterProvider();
  if (instruments?.provider !== provider) instruments = { provider, set: createInstruments(provider.getMeter('research-relay')) };
  return instruments.set;
}

/** Runs a recording; a failure is dropped (the SDK reports its own through its diag logger). */
function safely(record: (set: Instruments) => void): void {
  try {
    record(relayInstruments());
  } catch {
    // Telemetry never breaks the message path.
  }
}

/**
 * One record the ingest consumer is done with: counted, and its start, cancel or dead letter too.
 *
 * @example
 * recordIngestOutcome({ topic: 'research.requested', groupId: 'research-relay-ingest' }, outcome);
 */
export function recordIngestOutcome(source: IngestSource, outcome: IntakeOutcome): void {
  safely((set) => {
    const where: Attributes = { 'messaging.destination.name': source.topic, 'messaging.consumer.group.name': source.groupId };
    set.records.add(1, where);
    if (outcome.kind === 'started' || outcome.kind === 'duplicate') set.starts.add(1, { ...where, result: outcome.kind === 'started' ? 'new' : 'duplicate' });
    if (outcome.kind === 'dead-lettered' && outcome.written) set.deadLetters.add(1, { ...where, reason: outcome.reason });
    if (outcome.kind === 'cancel') set.cancels.add(1, { ...where, result: outcome.result });
  });
}

/**
 * Reports the lag of a consumer's partitions whenever metrics are collected (a scrape, an OTLP
 * interval); returns the function that stops reporting. The exporter keeps every series a gauge
 * ever reported, at its last value, so a series is never just left behind: a partition this
 * process no longer holds (moved in a rebalance, the consumer stopped) reads 0 — its lag is
 * another member's to report — and when the brokers do not answer, every series reads NaN
 * (unknown) rather than a frozen old figure.
 *
 * @example
 * const stop = observeConsumerLag(() => lagProbe.read());
 */
export function observeConsumerLag(read: () => Promise<readonly PartitionLag[]>): () => void {
  lagSources.set(read, new Map());
  // The gauge exists once instruments do; make sure they do, so a scrape sees it.
  safely(() => undefined);
  return () => {
    for (const [key, attributes] of lagSources.get(read) ?? []) releasedLagSeries.set(key, attributes);
    lagSources.delete(read);
  };
}

async function observeLags(result: ObservableResult): Promise<void> {
  const current = new Set<string>();
  await Promise.all(
    [...lagSources].map(async ([read, reported]) => {
      let lags: readonly PartitionLag[];
      try {
        lags = await read();
      } catch {
        // Unknown, not the last figure: the next collection tries again.
        for (const attributes of reported.values()) result.observe(Number.NaN, attributes);
        return;
      }
      const held = new Set<string>();
      for (const { topic, partition, groupId, lag } of lags) {
        const attributes: Attributes = { 'messaging.destination.name': topic, 'messaging.destination.partition.id': String(partition), 'messaging.consumer.group.name': groupId };
        const key = JSON.stringify(attributes);
        result.observe(lag, attributes);
        held.add(key);
        reported.set(key, attributes);
      }
      for (const [key, attributes] of reported) if (!held.has(key)) result.observe(0, attributes);
      for (const key of reported.keys()) current.add(key);
    }),
  );
  for (const [key, attributes] of releasedLagSeries) if (!current.has(key)) result.observe(0, attributes);
}

/**
 * A run whose `research.completed` was published: counted, with its duration and its stages'.
 *
 * @example
 * recordRunCompleted(event.timings);
 */
export function recordRunCompleted(timings: { readonly durationMs: number; readonly stages: Readonly<Record<'planMs' | 'searchMs' | 'writeMs', number>> }): void {
  safely((set) => {
    set.runs.add(1, { outcome: 'completed' });
    set.runDuration.record(timings.durationMs / 1000, { outcome: 'completed' });
    set.stageDuration.record(timings.stages.planMs / 1000, { stage: 'plan' });
    set.stageDuration.record(timings.stages.searchMs / 1000, { stage: 'search' });
    set.stageDuration.record(timings.stages.writeMs / 1000, { stage: 'write' });
  });
}

/**
 * A run whose `research.failed` was published, by the stage that failed and the error's type.
 *
 * @example
 * recordRunFailed({ stage: 'search', errorType: 'AllSearchesFailedError', cancelled: false });
 */
export function recordRunFailed(failure: { readonly stage: string; readonly errorType: string; readonly cancelled: boolean }): void {
  safely((set) => set.runs.add(1, { outcome: 'failed', stage: failure.stage, 'error.type': failure.errorType, cancelled: failure.cancelled }));
}

function genAiAttributes(call: ModelCallMetrics): Attributes {
  return {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': call.requestModel,
    ...(call.responseModel ? { 'gen_ai.response.model': call.responseModel } : {}),
    'gen_ai.agent.name': call.agent,
  };
}

/**
 * One model answer, accepted or not (each is billed): its input and output tokens and its
 * estimated cost. Calls abandoned before an answer report no usage and are not counted here.
 *
 * @example
 * recordModelAnswer({ agent: 'planner', requestModel: 'gpt-4.1', responseModel: 'gpt-4.1-2025-04-14' }, { inputTokens: 812, outputTokens: 240, costUsd: 0.0035 });
 */
export function recordModelAnswer(call: ModelCallMetrics, usage: { readonly inputTokens: number; readonly outputTokens: number; readonly costUsd: number }): void {
  safely((set) => {
    const attributes = genAiAttributes(call);
    set.tokenUsage.record(usage.inputTokens, { ...attributes, 'gen_ai.token.type': 'input' });
    set.tokenUsage.record(usage.outputTokens, { ...attributes, 'gen_ai.token.type': 'output' });
    // Added even when 0 (a model without a price): the series shows that the model was used.
    set.cost.add(usage.costUsd, attributes);
  });
}

/**
 * How long one model call took, answered or failed (`errorType`: the HTTP status, or the
 * error's name when there was none).
 *
 * @example
 * recordModelCallDuration({ agent: 'writer', requestModel: 'gpt-4.1' }, 12.4, '429');
 */
export function recordModelCallDuration(call: ModelCallMetrics, seconds: number, errorType?: string): void {
  safely((set) => set.callDuration.record(seconds, { ...genAiAttributes(call), ...(errorType ? { 'error.type': errorType } : {}) }));
}
