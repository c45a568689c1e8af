/*
 * Runs the OpenAI stand-in as its own process, for offline runs and for tests that live in
 * another process (they steer it over HTTP: PUT /__standin/faults, GET /__standin/calls).
 *
 * Output goes through process.stdout/stderr rather than console: the lint rule against console in
 * library code covers src/standIn, and this entry point is the one file here that may print.
 */
import { parseArgs } from 'node:util';
import { parseFaultPlan } from './faultPlan';
import { FaultPlanError } from './standInErrors';
import { startStandInServer } from './standInServer';

const usage = `Usage: npx tsx dev/standIn/standInMain.ts [options]

Serves an OpenAI-compatible API (POST /v1/responses, POST /v1/chat/completions, GET /v1/models)
that answers deterministically, for tests and offline runs. Point the openai SDK at the printed
base URL (any API key is accepted).

Options:
  --port <n>           TCP port (default 8787; 0 picks a free one)
  --host <address>     interface to listen on (default 127.0.0.1)
  --latency-ms <n>     extra delay before every model answer (default 0)
  --model-prefix <p>   serve only models whose name starts with <p>; others get 404 model_not_found
  --log                print one line per request on stderr
  -h, --help           show this help

Environment:
  STANDIN_FAULTS       initial fault plan as JSON, e.g.
                       {"rules":[{"match":{"path":"/v1/responses"},"sequence":[{"kind":"status","status":429,"retryAfterSeconds":1}]}]}

Control endpoints: PUT /__standin/faults (body: a fault plan), GET /__standin/faults,
GET /__standin/calls, DELETE /__standin/calls, GET /__standin/health.`;

function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printError(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** A whole number in [min, max] from a flag value, or a message saying what is wrong. */
function integerFlag(value: string | undefined, flag: string, fallback: number, min: number, max: number): number | string {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || number < min || number > max) {
    return `${flag} must be a whole number from ${min} to ${max}, got '${value}'`;
  }
  return number;
}

async function main(args: readonly string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'latency-ms': { type: 'string' },
        'model-prefix': { type: 'string' },
        log: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    printError(`stand-in: ${error instanceof Error ? error.message : String(error)}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    print(usage);
    return 0;
  }
  const port = integerFlag(values.port, '--port', 8787, 0, 65_535);
  const latencyMs = integerFlag(values['latency-ms'], '--latency-ms', 0, 0, 600_000);
  if (typeof port === 'string' || typeof latencyMs === 'string') {
    printError(`stand-in: ${typeof port === 'string' ? port : String(latencyMs)}\n\n${usage}`);
    return 2;
  }
  let faults;
  try {
    faults = process.env.STANDIN_FAULTS ? parseFaultPlan(process.env.STANDIN_FAULTS) : undefined;
  } catch (error) {
    if (!(error instanceof FaultPlanError)) throw error;
    printError(`stand-in: STANDIN_FAULTS: ${error.message}`);
    return 2;
  }

  const server = await startStandInServer({
    host: values.host ?? '127.0.0.1',
    port,
    latencyMs,
    ...(faults ? { faults } : {}),
    ...(values['model-prefix'] === undefined ? {} : { modelPrefix: values['model-prefix'] }),
    ...(values.log ? { log: printError } : {}),
  });
  print(`OpenAI stand-in listening at ${server.baseUrl}`);
  if (faults) print(`fault plan from STANDIN_FAULTS: ${faults.rules.length} rule(s)`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.stop();
  print(`stand-in stopped (${signal})`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    printError(`stand-in: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
