import { z } from 'zod';

/** Where the LLM-observability backend (Arize Phoenix) is: the trace links and `research-relay trace` read it. */
export interface PhoenixSettings {
  /** Phoenix's HTTP base URL (UI, REST API, OTLP over HTTP), without a trailing slash. */
  readonly url: string;
  /** The Phoenix project every process of the relay sends its spans to (one trace, one project). */
  readonly projectName: string;
  /** Sent as a bearer token to a Phoenix with authentication on. */
  readonly apiKey?: string;
}

/** Phoenix's variables, part of the relay's environment schema. */
export const phoenixEnvShape = {
  PHOENIX_URL: z
    .url({ protocol: /^https?$/ })
    .refine((value) => !new URL(value).username && !new URL(value).password, 'no credentials in the URL: set PHOENIX_API_KEY')
    .default('http://127.0.0.1:6006'),
  PHOENIX_PROJECT_NAME: z.string().regex(/^[A-Za-z0-9._ -]{1,100}$/, 'letters, digits, space, . _ - (at most 100)').default('research-relay'),
  PHOENIX_API_KEY: z.string().min(1).optional(),
};

type PhoenixEnv = z.infer<z.ZodObject<typeof phoenixEnvShape>>;

/**
 * The Phoenix settings from the validated environment.
 *
 * @example
 * const phoenix = phoenixSettingsFrom(parsedEnv); // { url: 'http://127.0.0.1:6006', projectName: 'research-relay' }
 */
export function phoenixSettingsFrom(env: PhoenixEnv): PhoenixSettings {
  return {
    url: env.PHOENIX_URL.replace(/\/+$/, ''),
    projectName: env.PHOENIX_PROJECT_NAME,
    ...(env.PHOENIX_API_KEY ? { apiKey: env.PHOENIX_API_KEY } : {}),
  };
}

/**
 * What is wrong with a valid-looking Phoenix setting: an API key would travel in the clear to
 * another machine (plain http to a host that is not this one).
 *
 * @example
 * phoenixSettingsProblems(settings); // [] or ['PHOENIX_API_KEY: …']
 */
export function phoenixSettingsProblems(settings: PhoenixSettings): string[] {
  const url = new URL(settings.url);
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname) || url.hostname.startsWith('127.');
  if (settings.apiKey && url.protocol === 'http:' && !loopback) return [`PHOENIX_API_KEY: would be sent in the clear to ${url.host}; use an https:// PHOENIX_URL`];
  return [];
}

/**
 * The Phoenix page of one trace (Phoenix finds the trace's project itself).
 *
 * @example
 * phoenixTraceLink('http://127.0.0.1:6006', '4bf92f3577b34da6a3ce929d0e0e4736');
 * // 'http://127.0.0.1:6006/redirects/traces/4bf92f3577b34da6a3ce929d0e0e4736'
 */
export function phoenixTraceLink(phoenixUrl: string, traceId: string): string {
  return `${phoenixUrl.replace(/\/+$/, '')}/redirects/traces/${encodeURIComponent(traceId)}`;
}
