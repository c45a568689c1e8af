import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultServiceHttpMaxConnections, serviceHttpLimits, type ServiceHttpSettings } from '../../src/config/serviceHttpSettings';
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
 * path is 404, any other method 405, and a request with a body 413 (bodies are never read).
 * A failing handler answers 500 and is logged: the port never takes the process down, and
 * nothing here touches the message path. Slow or oversized clients are cut off and open
 * connections are capped (`serviceHttpLimits`, SERVICE_HTTP_MAX_CONNECTIONS), so no client can
 * hold the port — and with it the probes — for long.
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
    const server = boundedServer(settings, (request, response) => {
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

/** Node's server with the port's bounds instead of its defaults (60 s for headers, 300 s a request, no cap). */
function boundedServer(settings: ServiceHttpSettings, listener: http.RequestListener): http.Server {
  const limits = { ...serviceHttpLimits, ...settings.limits };
  const server = http.createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderBytes,
      // Node enforces the two timeouts only when it sweeps its connections (every 30 s by default).
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 2))),
    },
    listener,
  );
  server.maxHeadersCount = limits.maxHeadersCount;
  // Past the cap Node closes a new connection as soon as it is accepted.
  server.maxConnections = settings.maxConnections ?? defaultServiceHttpMaxConnections;
  return server;
}

async function route(request: http.IncomingMessage, response: http.ServerResponse, routes: ServiceHttpRoutes): Promise<void> {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', 'GET, HEAD');
    return refuse(response, 405, `${request.method ?? '?'} is not allowed; use GET`);
  }
  if (hasBody(request)) return refuse(response, 413, 'a GET here carries no body');
  const path = pathOf(request.url);
  if (path === undefined) return reply(response, 400, { error: 'not a request target' });
  const known = ['/metrics', '/healthz', '/readyz'].includes(path);
  if (!known) return reply(response, 404, { error: `no such path: ${path} (try /metrics, /healthz, /readyz)` });
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

function hasBody(request: http.IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Answers and closes the connection: a kept-alive one would have Node read and discard the
 * body the client is still sending, however long it is.
 */
function refuse(response: http.ServerResponse, status: number, error: string): void {
  response.setHeader('connection', 'close');
  reply(response, status, { error });
}

function reply(response: http.ServerResponse, status: number, body: object): void {
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  response.end(`${JSON.stringify(body)}\n`);
}
