import { z } from 'zod';
import { envInt } from './envSchema';

/**
 * How long a client may take, and how much it may send, before the HTTP port gives up on it.
 * Prometheus and the kubelet send one small GET and read the answer: a client slower or larger
 * than this is broken or hostile, and would otherwise hold a connection for Node's defaults
 * (60 s for the headers, 300 s for the request). Fixed figures, not variables.
 */
export interface ServiceHttpLimits {
  /** Time to receive the request's headers (Node answers 408 and closes). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request; at least `headersTimeoutMs` (Node requires it). */
  readonly requestTimeoutMs: number;
  /** How long an idle kept-alive connection stays open (and holds one of `maxConnections`). */
  readonly keepAliveTimeoutMs: number;
  /** Bytes of request line and headers together (Node answers 431 past it). */
  readonly maxHeaderBytes: number;
  /** Headers read per request; the rest are ignored. */
  readonly maxHeadersCount: number;
}

export const serviceHttpLimits: ServiceHttpLimits = {
  headersTimeoutMs: 5000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 2000,
  maxHeaderBytes: 8192,
  maxHeadersCount: 32,
};

/** Connections open at once unless SERVICE_HTTP_MAX_CONNECTIONS says otherwise. */
export const defaultServiceHttpMaxConnections = 64;

/** Where the service answers `/metrics` (Prometheus), `/healthz` and `/readyz` (Kubernetes probes). */
export interface ServiceHttpSettings {
  /** Interface to bind (default 0.0.0.0: the kubelet and Prometheus reach the pod from outside). */
  readonly host: string;
  /** Port to listen on (default 9464, the OpenTelemetry Prometheus exporter's); 0 picks a free one. */
  readonly port: number;
  /** SERVICE_HTTP_MAX_CONNECTIONS: connections past it are closed as they arrive (absent: 64). */
  readonly maxConnections?: number;
  /** Tighter or looser bounds than `serviceHttpLimits`, field by field (tests shorten the timeouts). */
  readonly limits?: Partial<ServiceHttpLimits>;
}

/** The HTTP port's variables, part of the relay's environment schema. */
export const serviceHttpEnvShape = {
  SERVICE_HTTP_HOST: z.string().regex(/^[^\s/:]+$|^\[?[0-9a-fA-F:]+\]?$/, 'a host name or IP address').default('0.0.0.0'),
  SERVICE_HTTP_PORT: envInt(0, 65_535).default(9464),
  // Several Prometheus servers and the kubelet's probes need a few; the cap keeps a flood of
  // idle connections from exhausting the process's file descriptors.
  SERVICE_HTTP_MAX_CONNECTIONS: envInt(1, 10_000).optional(),
};

type ServiceHttpEnv = z.infer<z.ZodObject<typeof serviceHttpEnvShape>>;

/**
 * The HTTP port's settings from the validated environment.
 *
 * @example
 * const http = serviceHttpSettingsFrom(parsedEnv); // { host: '0.0.0.0', port: 9464 }
 */
export function serviceHttpSettingsFrom(env: ServiceHttpEnv): ServiceHttpSettings {
  return {
    host: env.SERVICE_HTTP_HOST.replace(/^\[(.*)\]$/, '$1'),
    port: env.SERVICE_HTTP_PORT,
    ...(env.SERVICE_HTTP_MAX_CONNECTIONS !== undefined ? { maxConnections: env.SERVICE_HTTP_MAX_CONNECTIONS } : {}),
  };
}
