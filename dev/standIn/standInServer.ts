import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiErrorBody } from './apiErrorBody';
import { CallLog, type RecordedCall } from './callLog';
import { type FaultPlan, noFaults, parseFaultPlan } from './faultPlan';
import { FaultSelector } from './faultSelector';
import { readJsonBody } from './jsonBody';
import { sendJson } from './jsonReply';
import { chatCall, responsesCall } from './modelCall';
import { createModelEndpoint } from './modelEndpoint';
import { openAiId } from './openAiIds';
import { FaultPlanError, InvalidCallError } from './standInErrors';

/** How to start the stand-in. Every field is optional; the defaults suit a test. */
export interface StandInOptions {
  /** Interface to listen on (default 127.0.0.1: never exposed beyond the machine by accident). */
  host?: string;
  /** TCP port (default 0: any free port; read the chosen one from `baseUrl`). */
  port?: number;
  /** Faults to inject from the first call on (default: none). */
  faults?: FaultPlan;
  /** Extra milliseconds before every model-call answer, faults included (default 0). */
  latencyMs?: number;
  /**
   * When set, only model names starting with it are served; others get the real API's 404
   * `model_not_found`, so a misconfigured model name fails in tests as it would in production.
   */
  modelPrefix?: string;
  /** Receives one line per request (method, path, status, duration). Never receives headers or keys. */
  log?: (line: string) => void;
}

/** A running stand-in. */
export interface StandInServer {
  /** What to pass as `new OpenAI({ baseURL })`, e.g. `http://127.0.0.1:41234/v1`. */
  readonly baseUrl: string;
  /** Replaces the fault plan; every rule's call count starts again at zero. @throws {FaultPlanError} */
  setFaults(plan: FaultPlan): void;
  /** Model calls so far, oldest first. */
  calls(): readonly RecordedCall[];
  resetCalls(): void;
  /** Stops listening, cancels pending delays and closes open connections. Safe to call twice. */
  stop(): Promise<void>;
}

/** Model ids `GET /v1/models` lists besides those already requested. */
const builtInModels = ['gpt-4.1', 'gpt-4.1-mini', 'gpt-4o', 'gpt-4o-mini', 'gpt-5', 'gpt-5-mini', 'o4-mini'];

/**
 * Starts an OpenAI-compatible HTTP server for tests and offline runs: `POST /v1/responses`,
 * `POST /v1/chat/completions` and `GET /v1/models`, answered deterministically (JSON that
 * validates against the requested schema, research prose otherwise), with injectable faults.
 * Control endpoints let other processes steer it: `PUT /__standin/faults`,
 * `GET|DELETE /__standin/calls`, `GET /__standin/health`.
 *
 * @example
 * const standIn = await startStandInServer({ faults: { rules: [{ sequence: [{ kind: 'status', status: 429 }] }] } });
 * const client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'test' });
 * const response = await client.responses.parse({ model: 'gpt-4.1', input: 'Plan searches on heat pumps',
 *   text: { format: zodTextFormat(Plan, 'plan') } });
 * await standIn.stop();
 *
 * @throws {FaultPlanError} when `options.faults` is not a valid plan.
 */
export async function startStandInServer(options: StandInOptions = {}): Promise<StandInServer> {
  const host = options.host ?? '127.0.0.1';
  const latencyMs = Math.max(0, options.latencyMs ?? 0);
  let currentPlan = parseFaultPlan(options.faults ?? noFaults);
  const selector = new FaultSelector(currentPlan);
  const callLog = new CallLog();
  const seenModels = new Set<string>();
  // Every in-flight request's controller: aborted when its client leaves or the server stops.
  const inFlight = new Set<AbortController>();

  const answerModelCall = createModelEndpoint({
    selector,
    callLog,
    seenModels,
    latencyMs,
    modelPrefix: options.modelPrefix,
  });

  const replaceFaults = (plan: unknown): FaultPlan => {
    const parsed = parseFaultPlan(plan);
    selector.replace(parsed);
    currentPlan = parsed;
    return parsed;
  };

  const route = async (request: IncomingMessage, response: ServerResponse, signal: AbortSignal): Promise<number> => {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://stand-in').pathname.replace(/\/+$/, '') || '/';
    const endpoint = `${method} ${path}`;
    switch (endpoint) {
      case 'POST /v1/responses':
        return answerModelCall(request, response, path, responsesCall, signal);
      case 'POST /v1/chat/completions':
        return answerModelCall(request, response, path, chatCall, signal);
      case 'GET /v1/models': {
        const ids = [...new Set([...builtInModels, ...seenModels])]
          .filter((id) => options.modelPrefix === undefined || id.startsWith(options.modelPrefix))
          .sort();
        const created = Math.floor(Date.UTC(2024, 0, 1) / 1000);
        return sendJson(response, 200, {
          object: 'list',
          data: ids.map((id) => ({ id, object: 'model', created, owned_by: 'stand-in' })),
        });
      }
      case 'GET /__standin/health':
        return sendJson(response, 200, { ok: true });
      case 'GET /__standin/faults':
        return sendJson(response, 200, currentPlan);
      case 'PUT /__standin/faults':
        try {
          const plan = replaceFaults(await readJsonBody(request));
          return sendJson(response, 200, { ok: true, rules: plan.rules.length });
        } catch (error) {
          if (error instanceof FaultPlanError || error instanceof InvalidCallError) {
            const problems = error instanceof FaultPlanError ? error.problems : [];
            return sendJson(response, 400, { ...apiErrorBody(400, error.message), problems });
          }
          throw error;
        }
      case 'GET /__standin/calls':
        return sendJson(response, 200, callLog.list());
      case 'DELETE /__standin/calls':
        callLog.clear();
        return sendJson(response, 200, { ok: true });
      default: {
        const knownPath = ['/v1/responses', '/v1/chat/completions', '/v1/models', '/__standin/faults', '/__standin/calls'];
        const status = knownPath.includes(path) ? 405 : 404;
        const message = `Unknown request URL: ${method} ${path}.`;
        const code = status === 404 ? 'unknown_url' : 'method_not_allowed';
        return sendJson(response, status, apiErrorBody(status, message, { code }));
      }
    }
  };

  const server = createServer((request, response) => {
    const started = Date.now();
    const controller = new AbortController();
    inFlight.add(controller);
    // 'close' before the answer is finished means the client gave up (a timeout, an abort).
    response.once('close', () => {
      if (!response.writableFinished) controller.abort();
      inFlight.delete(controller);
    });
    response.setHeader('x-request-id', openAiId('req_'));
    route(request, response, controller.signal)
      .catch((error: unknown) => {
        const message = error instanceof Error ? error.message : String(error);
        options.log?.(`stand-in internal error: ${message}`);
        sendJson(response, 500, apiErrorBody(500, `stand-in internal error: ${message}`));
        return 500;
      })
      .then((status) => options.log?.(`${request.method ?? '?'} ${request.url ?? '?'} ${status} ${Date.now() - started}ms`))
      // A throwing log callback must not take the server down; the answer has gone out already.
      .catch(() => undefined);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(':') ? `[${host}]` : host;

  let stopping: Promise<void> | undefined;
  return {
    baseUrl: `http://${urlHost}:${port}/v1`,
    setFaults: (plan) => {
      replaceFaults(plan);
    },
    calls: () => callLog.list(),
    resetCalls: () => callLog.clear(),
    stop: () => {
      // Concurrent and repeated stops share one shutdown.
      stopping ??= new Promise<void>((resolve, reject) => {
        for (const controller of inFlight) controller.abort();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}
