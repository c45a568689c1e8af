import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

/** What the Tavily SDK's HTTP client saw of a failed response. */
export interface ObservedResponse {
  status?: number;
  retryAfter?: string;
}

interface AxiosLike {
  readonly interceptors: { readonly response: { use(onFulfilled: undefined, onRejected: (error: unknown) => never): number } };
}

const observations = new AsyncLocalStorage<ObservedResponse>();
let installed = false;

/**
 * Runs one SDK call and records the HTTP status and Retry-After of a failed response.
 *
 * Why: @tavily/core 0.7.13 turns every HTTP failure into a plain `Error` whose message is the
 * body's `detail.error` (or `"<status> Error: <body>"` when there is none): the status and the
 * headers are gone, so a 401 cannot be told from a 429 by anything but wording. The SDK posts
 * through axios's default instance, so a response interceptor on that instance (the copy the
 * SDK resolves) reads them before the SDK drops them, into the store of the call in progress.
 * It only reads, and records nothing outside such a call.
 */
export function observingResponse<T>(call: () => Promise<T>): { readonly observed: ObservedResponse; readonly result: Promise<T> } {
  installInterceptor();
  const observed: ObservedResponse = {};
  return { observed, result: observations.run(observed, call) };
}

function installInterceptor(): void {
  if (installed) return;
  const requireFromSdk = createRequire(require.resolve('@tavily/core'));
  const axios = requireFromSdk('axios') as AxiosLike;
  axios.interceptors.response.use(undefined, (error: unknown): never => {
    const observed = observations.getStore();
    const response = (error as { response?: { status?: unknown; headers?: Record<string, unknown> } } | null)?.response;
    if (observed && response && typeof response.status === 'number') {
      observed.status = response.status;
      const retryAfter = response.headers?.['retry-after'];
      if (typeof retryAfter === 'string') observed.retryAfter = retryAfter;
    }
    throw error;
  });
  installed = true;
}
