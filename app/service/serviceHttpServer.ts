import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ServiceHttpSettings } from '../../src/config/serviceHttpSettings';
import type { Logger } from '../../src/logging/logger';

/** One named check of a probe: passed or not, and what was seen. */
export interface ProbeCheck {
  readonly ok: boolean;
  readonly detail: string;
}

/** A probe's answer: every check by name (the probe passes when all do). */
export type ProbeChecks = Readonly<Record<string, ProbeCheck>>;

/** What the port answers with. */
export interface ServiceHttpRoutes {
  /** `/healthz`: is the process alive (nothing crashed for good)? Synchronous and cheap. */
  readonly liveness: () => ProbeChecks;
  /** `/readyz`: is every configured role doing its work? */
  readonly readiness: () => Promise<ProbeChecks>;
  /** `/metrics`: the Prometheus text exposition. */
  readonly metrics: (request: http.IncomingMessage, response: http.ServerResponse) => void;
}

/**
 * The service's HTTP port: `GET /metrics` for Prometheus, `GET /healthz` and `GET /readyz` for
 * Kubernetes probes (200, or 503 with a JSON body naming the checks that failed); any other
 * path is 404. A failing handler answers 500 and is logged: the port never takes the process
 * down, and nothing here touches the message path.
 *
 * @example
 * const server = await ServiceHttpServer.start({ host: '0.0.0.0', port: 9464 }, routes, logger);
 * // curl http://127.0.0.1:9464/readyz → {"ready":true,"checks":{"consumer":{"ok":true,…}}}
 */
export class ServiceHttpServer {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: http.Server,
    /** The port it listens on (the chosen one when configured as 0). */
    readonly port: number,
    readonly host: string,
  ) {}

  /** Listens; an address in use (or not allowed) is an error naming the variables. */
  static async start(settings: ServiceHttpSettings, routes: ServiceHttpRoutes, logger: Logger): Promise<ServiceHttpServer> {
    const server = http.createServer((request, response) => {
      route(request, response, routes).catch((error: unknown) => {
        logger.warn('the service HTTP port failed to answer', { path: request.url, error });
        if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
        response.end('internal error\n');
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(new Error(`cannot listen on ${settings.host}:${settings.port} (SERVICE_HTTP_HOST, SERVICE_HTTP_PORT): ${error.code ?? error.message}`, { cause: error })),
      );
      server.listen(settings.port, settings.host, () => resolve());
    });
    server.on('error', (error) => logger.warn('service HTTP port error', { error }));
    return new ServiceHttpServer(server, (server.address() as AddressInfo).port, settings.host);
  }

  /** Stops listening and drops open connections; safe to call twice. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }
}

async function route(request: http.IncomingMessage, response: http.ServerResponse, routes: ServiceHttpRoutes): Promise<void> {
  const path = pathOf(request.url);
  if (path === undefined) return reply(response, 400, { error: 'not a request target' });
  const known = ['/metrics', '/healthz', '/readyz'].includes(path);
  if (!known) return reply(response, 404, { error: `no such path: ${path} (try /metrics, /healthz, /readyz)` });
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return reply(response, 405, { error: `${request.method ?? '?'} is not allowed; use GET` });
  }
  if (path === '/metrics') return routes.metrics(request, response);
  if (path === '/healthz') return answerProbe(response, 'alive', routes.liveness());
  return answerProbe(response, 'ready', await routes.readiness());
}

/** The path of a request target; undefined for one that is not a URL path (`//[`). */
function pathOf(target: string | undefined): string | undefined {
  try {
    return new URL(target ?? '/', 'http://service').pathname;
  } catch {
    return undefined;
  }
}

/** 200 when every check passed, else 503; the body names each check and which failed. */
function answerProbe(response: http.ServerResponse, what: 'alive' | 'ready', checks: ProbeChecks): void {
  const failed = Object.entries(checks).filter(([, check]) => !check.ok).map(([name]) => name);
  reply(response, failed.length === 0 ? 200 : 503, { [what]: failed.length === 0, ...(failed.length > 0 ? { failed } : {}), checks });
}

function reply(response: http.ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(body)}\n`);
}
