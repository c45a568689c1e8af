import OpenAI from 'openai';
import { registerSecret } from '../logging/logger';
import { abandonedAttemptReportingFetch } from './abandonedCalls';

export interface OpenAIClientSettings {
  readonly apiKey?: string;
  /** OpenAI itself when absent; any OpenAI-compatible server (vLLM, Ollama, the stand-in) otherwise. */
  readonly baseUrl?: string;
  readonly timeoutMs: number;
  /** Attempts the SDK makes itself on 408/409/429/5xx and connection errors, honouring Retry-After. */
  readonly maxRetries: number;
}

/**
 * Builds the one OpenAI client a worker shares between its agents.
 *
 * @example
 * const openai = createOpenAIClient({ apiKey: process.env.OPENAI_API_KEY, timeoutMs: 120_000, maxRetries: 3 });
 */
export function createOpenAIClient(settings: OpenAIClientSettings): OpenAI {
  registerSecret(settings.apiKey);
  return new OpenAI({
    // Compatible servers often need no key; the SDK insists on a non-empty one.
    apiKey: settings.apiKey ?? 'no-key',
    ...(settings.baseUrl ? { baseURL: settings.baseUrl } : {}),
    timeout: settings.timeoutMs,
    maxRetries: settings.maxRetries,
    // Attempts the SDK aborts (its timeout, our cancellation) are counted as spent: see UsageMeter.
    fetch: abandonedAttemptReportingFetch(),
  });
}
