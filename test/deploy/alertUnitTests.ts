import { stringify } from 'yaml';
import { releaseName, releaseNamespace } from './renderedChart';

/** The labels every relay series carries once scraped for this release (job = the metrics Service). */
export const relayTarget = { job: `${releaseName}-research-relay-metrics`, namespace: releaseNamespace };

function series(name: string, labels: Record<string, string>, values: string): { series: string; values: string } {
  const all = { ...relayTarget, ...labels };
  return { series: `${name}{${Object.entries(all).map(([key, value]) => `${key}="${value}"`).join(',')}}`, values };
}

interface AlertCase {
  readonly eval_time: string;
  readonly alertname: string;
  readonly exp_alerts: readonly { exp_labels: Record<string, string>; exp_annotations: Record<string, string> }[];
}

/**
 * A `promtool test rules` file for the chart's default alerts: for each alert, series on which it
 * fires (with the labels and the summary/description it must carry) and series on which it must
 * stay silent. `runbooks` are the rendered rules' runbook annotations by alert name (static
 * text; the templated ones are spelled out here).
 */
export function alertUnitTestFile(ruleFile: string, runbooks: Readonly<Record<string, string>>): string {
  const annotations = (alert: string, summary: string, description: string): Record<string, string> => ({ summary, description, runbook: runbooks[alert] ?? '' });
  const topic = { messaging_destination_name: 'research.requested', messaging_consumer_group_name: 'research-relay-ingest' };
  const test = (input_series: unknown[], cases: AlertCase[]): unknown => ({ interval: '1m', input_series, alert_rule_test: cases });
  const tests = [
    // Lag: 100 more records behind every minute → over 1000 and growing; a steady 5000 is behind but not growing.
    test([
      series('research_relay_consumer_lag', { ...topic, messaging_destination_partition_id: '0', instance: 'a' }, '0+100x60'),
      series('research_relay_consumer_lag', { ...topic, messaging_consumer_group_name: 'steady', messaging_destination_partition_id: '0', instance: 'a' }, '5000x60'),
    ], [
      { eval_time: '10m', alertname: 'ResearchRelayConsumerLagGrowing', exp_alerts: [] },
      { eval_time: '40m', alertname: 'ResearchRelayConsumerLagGrowing', exp_alerts: [{
        exp_labels: { severity: 'critical', ...topic },
        exp_annotations: annotations('ResearchRelayConsumerLagGrowing', 'research-relay ingest is 4k records behind and falling further behind', 'The consumer lag (research_relay_consumer_lag) has been above 1000 and growing for 15m: requests wait longer and longer before their run starts.'),
      }] },
    ]),
    // Dead letters: 5 a minute fires; 1 a minute (10 per 10 minutes, not more) does not.
    test([
      series('research_relay_dead_letters_total', { ...topic, reason: 'not-json', instance: 'a' }, '0+5x30'),
      series('research_relay_dead_letters_total', { ...topic, reason: 'expired', instance: 'a' }, '0+1x30'),
    ], [
      { eval_time: '20m', alertname: 'ResearchRelayDeadLettersRising', exp_alerts: [{
        exp_labels: { severity: 'warning', messaging_destination_name: 'research.requested', reason: 'not-json' },
        exp_annotations: annotations('ResearchRelayDeadLettersRising', 'research-relay is dead-lettering requests from research.requested (reason not-json)', 'More than 10 records of the request topic went to the DLQ within 10m, with reason not-json: a producer sends what the relay cannot run.'),
      }] },
    ]),
    // Runs: half of them failing fires; as many cancelled does not; a trickle below minRuns does not.
    test([
      series('research_relay_runs_total', { outcome: 'completed', instance: 'a' }, '0+2x90'),
      series('research_relay_runs_total', { outcome: 'failed', stage: 'search', error_type: 'AllSearchesFailedError', cancelled: 'false', instance: 'a' }, '0x30 0+2x60'),
      series('research_relay_runs_total', { outcome: 'failed', stage: 'write', error_type: 'CancelledFailure', cancelled: 'true', instance: 'b' }, '0+2x30 60x60'),
    ], [
      { eval_time: '29m', alertname: 'ResearchRelayRunFailureRatioHigh', exp_alerts: [] },
      { eval_time: '80m', alertname: 'ResearchRelayRunFailureRatioHigh', exp_alerts: [{
        exp_labels: { severity: 'critical' },
        exp_annotations: annotations('ResearchRelayRunFailureRatioHigh', '50% of research-relay runs fail', 'More than 20% of the runs that published a result over 30m failed (research.failed; cancels not counted).'),
      }] },
    ]),
    test([
      series('research_relay_runs_total', { outcome: 'failed', stage: 'plan', error_type: 'ModelRefusedError', cancelled: 'false', instance: 'a' }, '0+0.1x90'),
    ], [{ eval_time: '80m', alertname: 'ResearchRelayRunFailureRatioHigh', exp_alerts: [] }]),
    // Cost: 1 USD a minute (60 per hour) fires; 0.1 USD a minute does not.
    test([
      series('research_relay_llm_cost_total', { gen_ai_agent_name: 'writer', gen_ai_request_model: 'gpt-4.1', gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', instance: 'a' }, '0+1x120'),
      series('research_relay_llm_cost_total', { gen_ai_agent_name: 'planner', gen_ai_request_model: 'gpt-4.1', gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', instance: 'b' }, '0+0.1x120'),
    ], [{ eval_time: '90m', alertname: 'ResearchRelayCostBurnRateHigh', exp_alerts: [{
      exp_labels: { severity: 'critical' },
      exp_annotations: annotations('ResearchRelayCostBurnRateHigh', 'research-relay spends 66 USD per hour on models', 'The estimated model cost has averaged more than 25 USD per hour over 1h.'),
    }] }]),
    test([
      series('research_relay_llm_cost_total', { gen_ai_agent_name: 'writer', gen_ai_request_model: 'gpt-4.1', instance: 'a' }, '0+0.1x120'),
    ], [{ eval_time: '90m', alertname: 'ResearchRelayCostBurnRateHigh', exp_alerts: [] }]),
    // Readiness (kube-state-metrics): a worker pod unready for 20 minutes fires; a ready one and another release's do not.
    test([
      { series: `kube_pod_status_ready{namespace="${releaseNamespace}",pod="${releaseName}-research-relay-worker-5d9c7-x2x4k",condition="true"}`, values: '0x20' },
      { series: `kube_pod_status_ready{namespace="${releaseNamespace}",pod="${releaseName}-research-relay-consumer-7f8b6-abcde",condition="true"}`, values: '1x20' },
      { series: `kube_pod_status_ready{namespace="${releaseNamespace}",pod="other-research-relay-worker-5d9c7-x2x4k",condition="true"}`, values: '0x20' },
    ], [
      { eval_time: '5m', alertname: 'ResearchRelayPodNotReady', exp_alerts: [] },
      { eval_time: '15m', alertname: 'ResearchRelayPodNotReady', exp_alerts: [{
        exp_labels: { severity: 'warning', namespace: releaseNamespace, pod: `${releaseName}-research-relay-worker-5d9c7-x2x4k` },
        exp_annotations: annotations('ResearchRelayPodNotReady', `research-relay pod ${releaseName}-research-relay-worker-5d9c7-x2x4k is not ready`, `${releaseName}-research-relay-worker-5d9c7-x2x4k has answered /readyz with 503 (or not at all) for 10m.`),
      }] },
    ]),
    // A target down for 15 minutes fires; one that answers does not.
    test([
      series('up', { instance: '10.0.0.7:9464' }, '0x20'),
      series('up', { instance: '10.0.0.8:9464' }, '1x20'),
    ], [{ eval_time: '15m', alertname: 'ResearchRelayTargetDown', exp_alerts: [{
      exp_labels: { severity: 'warning', ...relayTarget, instance: '10.0.0.7:9464' },
      exp_annotations: annotations('ResearchRelayTargetDown', 'Prometheus cannot scrape research-relay at 10.0.0.7:9464', 'The relay\'s /metrics at 10.0.0.7:9464 has not answered for 10m: its alerts are blind.'),
    }] }]),
  ];
  return stringify({ rule_files: [ruleFile], evaluation_interval: '1m', tests }, { lineWidth: 0 });
}
