import { parseArgs } from 'node:util';
import { chaosScale, type ChaosScale } from './chaosScale';
import { chaosScenarios } from './chaosScenarios';

export interface ChaosOptions {
  readonly scale: ChaosScale;
  readonly scenarios: readonly number[];
  readonly seed: string;
  readonly keepLogs: boolean;
  /** Where scenarios that name no broker count run: 1 (the single broker) or 3 (the cluster). */
  readonly brokers: 1 | 3;
}

export const chaosUsage = `Usage: npm run chaos -- [--scale small|full] [--scenario N[,N…]] [--brokers 1|3] [--seed S] [--keep-logs]

Runs the chaos scenarios against a private Kafka broker and Temporal dev server (free ports,
fresh data under .cache/chaos/<run-id>, stopped and deleted at the end) — scenarios 10–13, and
with --brokers 3 every scenario but 3, on a private 3-broker KRaft cluster instead — the relay as real
processes (node dist/app/service/serviceMain.js --role consumer|worker) and the stand-in model
server, then prints one table: requests sent, workflow runs, terminal events, DLQ records,
duplicate runs, requests with more than one distinct terminal eventId, lost (no terminal event
and no DLQ record), and the time from the last fault's end until every request was accounted for.
Exit code 0 when every scenario lost nothing, doubled nothing and its fault fired; 1 otherwise.

Scenarios:
${chaosScenarios.map((scenario) => `  ${scenario.id}. ${scenario.title}: ${scenario.description}`).join('\n')}

Options:
  --scale small|full   small: 30 requests per scenario (18+18 in 5, 18 + one round of hostile records in 8);
                       full (default): 300 (1000+1000 in 5, 1000 + five rounds of hostile records in 8)
  --scenario N[,N…]    only these scenarios (default: all)
  --brokers 1|3        where scenarios that need no particular Kafka run: the single broker (1, default)
                       or the 3-broker cluster (3; scenario 3 kills the single broker and stays on it)
  --seed S             shuffles poison records and model faults (default: chaos)
  --keep-logs          keep the relay and server logs (default: kept only when a scenario fails)
  -h, --help           this help

Environment: CHAOS_REQUESTS, CHAOS_MIXED, CHAOS_RATE override the scale's counts and rate.`;

/** The options, or a message for the user (exit 2) — or 'help'. */
export function parseChaosOptions(args: readonly string[], env: NodeJS.ProcessEnv = process.env): ChaosOptions | 'help' | { error: string } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        scale: { type: 'string', default: 'full' },
        scenario: { type: 'string' },
        seed: { type: 'string', default: 'chaos' },
        'keep-logs': { type: 'boolean', default: false },
        brokers: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
  if (values.help) return 'help';
  if (values.scale !== 'small' && values.scale !== 'full') return { error: `--scale must be small or full, got '${values.scale}'` };
  const known = chaosScenarios.map((scenario) => scenario.id);
  const scenarios = values.scenario === undefined ? known : values.scenario.split(',').map((part) => Number(part.trim()));
  const unknown = scenarios.filter((id) => !known.includes(id));
  if (unknown.length > 0) return { error: `--scenario takes ${known.join(', ')}; got '${values.scenario ?? ''}'` };
  if (values.brokers !== '1' && values.brokers !== '3') return { error: `--brokers must be 1 or 3, got '${values.brokers}'` };
  return { scale: chaosScale(values.scale, env), scenarios, seed: values.seed, keepLogs: values['keep-logs'], brokers: values.brokers === '3' ? 3 : 1 };
}
