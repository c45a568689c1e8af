import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { stringify } from 'yaml';
import { ensureHelm, ensurePrometheus, PrometheusServer } from '../../dev/k8sTools';
import { PipelineHarness } from '../support/pipelineHarness';
import { tearDown } from '../support/teardown';
import { eventually } from '../support/testInfrastructure';
import { relayTarget } from './alertUnitTests';
import { objectOf, renderChart } from './renderedChart';

interface AlertRule {
  readonly alert: string;
  readonly expr: string;
}

/** Metrics the alerts read that the relay cannot export: they come from kube-state-metrics. */
const fromOtherExporters = new Set(['kube_pod_status_ready']);

/** The metric names an expression selects (`name{…}`), PromQL's own functions and keywords left out. */
function metricNames(expr: string): string[] {
  return [...new Set([...expr.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)\{/g)].map((match) => match[1] ?? ''))];
}

describe('the chart\'s alerts against a running relay scraped by a real Prometheus', () => {
  let harness: PipelineHarness | undefined;
  let prometheus: PrometheusServer | undefined;
  let rules: AlertRule[];

  before(async () => {
    const [{ binary: helm }, { binary }] = await Promise.all([ensureHelm(), ensurePrometheus()]);
    // A dead-letter threshold of 0: the alert's expression turns non-empty at the first increase.
    const rule = objectOf(renderChart(helm, { set: ['prometheusRule.enabled=true', 'prometheusRule.deadLetters.threshold=0'] }), 'PrometheusRule');
    const groups = (rule.spec as { groups: { rules: AlertRule[] }[] }).groups;
    rules = groups.flatMap((group) => group.rules);
    harness = await PipelineHarness.start({ env: { SERVICE_HTTP_PORT: '0', SERVICE_HTTP_HOST: '127.0.0.1' } });
    const port = harness.service?.httpPort;
    assert.ok(port, 'the relay listens on a port of its own');
    // The labels a ServiceMonitor of this release gives its targets: job = the metrics Service, namespace.
    const config = {
      global: { scrape_interval: '1s', scrape_timeout: '1s', evaluation_interval: '1s' },
      rule_files: ['research-relay.rules.yaml'],
      scrape_configs: [{ job_name: relayTarget.job, static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { namespace: relayTarget.namespace } }] }],
    };
    prometheus = await PrometheusServer.start({ binary, config: stringify(config), ruleFiles: { 'research-relay.rules.yaml': stringify({ groups }) } });
  });
  after(() => tearDown(
    () => prometheus?.stop(),
    () => harness?.close(),
  ));

  it('loads every alert healthy, finds series for every metric the alerts read, and the dead-letter alert\'s expression turns non-empty after dead letters', async () => {
    assert.ok(harness && prometheus);
    const server = prometheus;
    const relay = harness;
    await eventually(async () => ((await server.targets()).some((target) => target.health === 'up') ? true : undefined), 30_000, 'the relay\'s target up');

    // Two runs that complete, one stopped by its budget, and a record that is not JSON.
    await relay.request('scraped-1', 'How does Prometheus scrape a target?', { maxSearches: 1 });
    await relay.request('scraped-2', 'What is a PromQL range vector?', { maxSearches: 1 });
    await relay.request('over-budget', 'What does a run cost?', { maxSearches: 1, budget: { maxTokens: 1 } });
    await relay.produceRaw('broken-1', 'this is {not json');
    await relay.recorder.waitFor(relay.config.topics.completed, 2);
    await relay.recorder.waitFor(relay.config.topics.failed, 1);
    await relay.recorder.waitFor(relay.config.topics.deadLetter, 1);

    const sel = `job="${relayTarget.job}",namespace="${relayTarget.namespace}"`;
    const names = [...new Set(rules.flatMap((rule) => metricNames(rule.expr)))].sort();
    assert.deepEqual(names, ['kube_pod_status_ready', 'research_relay_consumer_lag', 'research_relay_dead_letters_total', 'research_relay_llm_cost_total', 'research_relay_runs_total', 'up']);
    for (const name of names.filter((candidate) => !fromOtherExporters.has(candidate))) {
      const found = await eventually(async () => {
        const series = await server.series(`${name}{${sel}}`);
        return series.length > 0 ? series : undefined;
      }, 60_000, `series of ${name} scraped from the relay`);
      assert.ok(found.length > 0);
    }
    // The label values the expressions filter on are the ones the relay writes.
    await eventually(async () => ((await server.series(`research_relay_runs_total{${sel},outcome="failed",cancelled="false",stage="plan",error_type="BudgetExceededError"}`)).length > 0 ? true : undefined), 30_000, 'the budget-stopped run as outcome="failed", cancelled="false"');
    await eventually(async () => ((await server.series(`research_relay_runs_total{${sel},outcome="completed"}`)).length > 0 ? true : undefined), 30_000, `the completed runs as outcome="completed" (series: ${JSON.stringify(await server.series(`research_relay_runs_total{${sel}}`))})`);
    assert.ok((await server.series(`research_relay_dead_letters_total{${sel},reason="not-json",messaging_destination_name="${relay.config.topics.requested}"}`)).length > 0);
    assert.equal((await server.series(`research_relay_consumer_lag{${sel},messaging_consumer_group_name="${relay.config.consumerGroupId}"}`)).length, 3, 'a lag series per partition held');

    const loaded = await eventually(async () => {
      const states = await server.rules();
      return states.length === rules.length && states.every((state) => state.health === 'ok') ? states : undefined;
    }, 30_000, 'every rule evaluated with health ok');
    assert.deepEqual(loaded.map((state) => state.name), rules.map((rule) => rule.alert));

    // The first dead letter creates the counter at 1, which increase() cannot see: the next ones it does.
    const deadLetterRule = rules.find((rule) => rule.alert === 'ResearchRelayDeadLettersRising');
    assert.ok(deadLetterRule);
    assert.deepEqual(await server.query(deadLetterRule.expr), [], 'no increase yet');
    await relay.produceRaw('broken-2', 'also {not json');
    await relay.produceRaw('broken-3', 'nor {this');
    await relay.recorder.waitFor(relay.config.topics.deadLetter, 3);
    const firing = await eventually(async () => {
      const result = await server.query(deadLetterRule.expr);
      return result.length > 0 ? result : undefined;
    }, 30_000, 'the dead-letter alert\'s expression non-empty');
    assert.deepEqual(firing.map((sample) => sample.metric), [{ messaging_destination_name: relay.config.topics.requested, reason: 'not-json' }]);
    const pending = await eventually(async () => {
      const states = await server.rules();
      return states.find((state) => state.name === 'ResearchRelayDeadLettersRising' && state.state === 'pending');
    }, 30_000, 'the dead-letter alert pending (its for: 5m has begun)');
    assert.equal(pending.health, 'ok');
  });
});
