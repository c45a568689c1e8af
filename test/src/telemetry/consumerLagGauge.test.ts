import assert from 'node:assert/strict';
import http from 'node:http';
import type net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startMetricsPipeline, type MetricsPipeline } from '../../../src/telemetry/metricsPipeline';
import { observeConsumerLag, type PartitionLag } from '../../../src/telemetry/relayMetrics';
import { parsePrometheusText, samplesOf } from '../../support/prometheusText';

describe('the consumer-lag gauge as Prometheus scrapes it', () => {
  let pipeline: MetricsPipeline;
  let server: http.Server;
  let url: string;

  before(async () => {
    pipeline = startMetricsPipeline({ env: {} });
    server = http.createServer((request, response) => pipeline.serveScrape(request, response));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/metrics`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await pipeline.shutdown();
  });

  async function lags(): Promise<Record<string, number>> {
    const samples = samplesOf(parsePrometheusText(await (await fetch(url)).text()), 'research_relay_consumer_lag', { messaging_consumer_group_name: 'lag-test' });
    return Object.fromEntries(samples.map((sample) => [sample.labels.messaging_destination_partition_id ?? '?', sample.value]));
  }

  it('reads 0 for a partition this process no longer holds, NaN while the brokers do not answer, 0 for all once stopped — never a frozen old figure', async () => {
    const lag = (partition: number, value: number): PartitionLag => ({ topic: 'lag-test.requested', partition, groupId: 'lag-test', lag: value });
    let answer: () => Promise<readonly PartitionLag[]> = () => Promise.resolve([lag(0, 5), lag(1, 7)]);
    const stop = observeConsumerLag(() => answer());
    assert.deepEqual(await lags(), { 0: 5, 1: 7 });
    answer = () => Promise.resolve([lag(0, 1)]); // partition 1 moved to another member
    assert.deepEqual(await lags(), { 0: 1, 1: 0 }, 'partition 1 is another member’s to report');
    answer = () => Promise.reject(new Error('brokers away'));
    const unknown = await lags();
    assert.ok(Number.isNaN(unknown['0']) && Number.isNaN(unknown['1']), `unknown while the brokers are away: ${JSON.stringify(unknown)}`);
    answer = () => Promise.resolve([lag(0, 2), lag(1, 3)]);
    assert.deepEqual(await lags(), { 0: 2, 1: 3 });
    stop();
    assert.deepEqual(await lags(), { 0: 0, 1: 0 }, 'a stopped consumer holds nothing');
  });
});
