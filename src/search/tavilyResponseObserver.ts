import { AsyncLocalStorage } from 'node:async_hooks';
import { createRequire } from 'node:module';

/** What the Tavily SDK's HTTP client saw of the response to one call. */
export interface ObservedResponse {
  /** The HTTP status, when a response arrived (2xx included). */
  status?: number;
  retryAfter?: string;
  /** The answer grew past the call's `maxBodyBytes` and was not read further. */
  tooLarge?: boolean;
}

/** Bounds put on the SDK's HTTP request, which the SDK itself does not let a caller set. */
export interface RequestBounds {
  /** Aborts the request (and closes its connection): the call's deadline and cancellation. */
  readonly signal: AbortSignal;
  /** The most bytes of an answer read (axios's maxContentLength). */
  readonly maxBodyBytes: number;
}

interface AxiosConfigLike {
  signal?: unknown;
  maxContentLength?: number;
}

interface AxiosLike {
  readonly interceptors: {
    readonly request: { use(onFulfilled: (config: AxiosConfigLike) => AxiosConfigLike): number };
    readonly response: { use(onFulfilled: (response: unknown) => unknown, onRejected: (error: unknown) => never): number };
  };
}

interface CallInProgress {
  readonly observed: ObservedResponse;
  readonly bounds: RequestBounds;
}

const calls = new AsyncLocalStorage<CallInProgress>();
let installed = false;

/**
 * Runs one SDK call with `bounds` on its HTTP request, and records the HTTP status and
 * Retry-After of its response.
 *
 * Why: @tavily/core 0.7.13 takes neither an AbortSignal nor a body limit (its `timeout` is
 * axios's, which only fires on an idle socket), and turns every HTTP failure into a plain
 * `Error` whose message is the body's `detail.error` (or `"<status> Error: <body>"`): the
 * status and the headers are gone, so a 401 cannot be told from a 429 by anything but wording.
 * The SDK posts through axios's default instance, so interceptors on that instance (the copy
 * the SDK resolves) set the bounds on the request and read the response before the SDK drops
 * it, for the call in progress only: outside such a call they change and record nothing.
 */
export function observingResponse<T>(call: () => Promise<T>, bounds: RequestBounds): { readonly observed: ObservedResponse; readonly result: Promise<T> } {
  installInterceptors();
  const observed: ObservedResponse = {};
  return { observed, result: calls.run({ observed, bounds }, call) };
}

function installInterceptors(): void {
  if (installed) return;
  const requireFromSdk = createRequire(require.resolve('@tavily/core'));
  const axios = requireFromSdk('axios') as AxiosLike;
  axios.interceptors.request.use((config) => {
    const bounds = calls.getStore()?.bounds;
    if (bounds) {
      config.signal = bounds.signal;
      config.maxContentLength = bounds.maxBodyBytes;
    }
    return config;
  });
  axios.interceptors.response.use(
    (response: unknown) => {
      const observed = calls.getStore()?.observed;
      const status = (response as { status?: unknown } | null)?.status;
      if (observed && typeof status === 'number') observed.status = status;
      return response;
    },
    (error: unknown): never => {
      const observed = calls.getStore()?.observed;
      const failed = error as { message?: unknown; response?: { status?: unknown; headers?: Record<string, unknown> } } | null;
      const response = failed?.response;
      if (observed && response && typeof response.status === 'number') {
        observed.status = response.status;
        const retryAfter = response.headers?.['retry-after'];
        if (typeof retryAfter === 'string') observed.retryAfter = retryAfter;
      }
      if (observed && typeof failed?.message === 'string' && /^maxContentLength size of \d+ exceeded$/.test(failed.message)) observed.tooLarge = true;
      throw error;
    },
  );
  installed = true;
}
