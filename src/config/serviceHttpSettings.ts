import { z } from 'zod';
import { envInt } from './envSchema';

/** Where the service answers `/metrics` (Prometheus), `/healthz` and `/readyz` (Kubernetes probes). */
export interface ServiceHttpSettings {
  /** Interface to bind (default 0.0.0.0: the kubelet and Prometheus reach the pod from outside). */
  readonly host: string;
  /** Port to listen on (default 9464, the OpenTelemetry Prometheus exporter's); 0 picks a free one. */
  readonly port: number;
}

/** The HTTP port's variables, part of the relay's environment schema. */
export const serviceHttpEnvShape = {
  SERVICE_HTTP_HOST: z.string().regex(/^[^\s/:]+$|^\[?[0-9a-fA-F:]+\]?$/, 'a host name or IP address').default('0.0.0.0'),
  SERVICE_HTTP_PORT: envInt(0, 65_535).default(9464),
};

type ServiceHttpEnv = z.infer<z.ZodObject<typeof serviceHttpEnvShape>>;

/**
 * The HTTP port's settings from the validated environment.
 *
 * @example
 * const http = serviceHttpSettingsFrom(parsedEnv); // { host: '0.0.0.0', port: 9464 }
 */
export function serviceHttpSettingsFrom(env: ServiceHttpEnv): ServiceHttpSettings {
  return { host: env.SERVICE_HTTP_HOST.replace(/^\[(.*)\]$/, '$1'), port: env.SERVICE_HTTP_PORT };
}
