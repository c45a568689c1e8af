import { envBoolean } from './envSchema';
import { isLoopbackHost } from './loopbackHost';

/** The model endpoint's variables beyond OPENAI_API_KEY and OPENAI_BASE_URL, part of the relay's environment schema. */
export const modelEndpointEnvShape = {
  // A key sent over plain HTTP to another machine can be read on the way: refused unless asked for.
  OPENAI_ALLOW_PLAINTEXT_KEY: envBoolean.default(false),
};

/** The validated variables the check reads. */
export interface ModelEndpointEnv {
  readonly OPENAI_API_KEY?: string | undefined;
  readonly OPENAI_BASE_URL?: string | undefined;
  readonly OFFLINE_MODE: boolean;
  readonly OPENAI_ALLOW_PLAINTEXT_KEY: boolean;
}

/**
 * What is wrong with the model endpoint: OPENAI_API_KEY would travel in the clear, to an
 * `http://` OPENAI_BASE_URL on another machine. Loopback (a local vLLM or Ollama) and offline
 * mode (the key goes nowhere) are fine; OPENAI_ALLOW_PLAINTEXT_KEY=true accepts it anyway.
 * The problem names the variables and the host, never the key.
 *
 * @example
 * modelEndpointProblems({ OPENAI_API_KEY: 'sk-…', OPENAI_BASE_URL: 'http://10.0.0.5:8000/v1', OFFLINE_MODE: false, OPENAI_ALLOW_PLAINTEXT_KEY: false });
 * // ['OPENAI_API_KEY would be sent in the clear to 10.0.0.5:8000 …']
 */
export function modelEndpointProblems(e: ModelEndpointEnv): string[] {
  if (!e.OPENAI_API_KEY || !e.OPENAI_BASE_URL || e.OFFLINE_MODE || e.OPENAI_ALLOW_PLAINTEXT_KEY) return [];
  const url = new URL(e.OPENAI_BASE_URL);
  if (url.protocol !== 'http:' || isLoopbackHost(url.hostname)) return [];
  return [
    `OPENAI_API_KEY would be sent in the clear to ${url.host} (OPENAI_BASE_URL is plain http://): use an https:// OPENAI_BASE_URL, ` +
      'or set OPENAI_ALLOW_PLAINTEXT_KEY=true for a network you trust',
  ];
}
