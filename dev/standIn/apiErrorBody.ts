/** The error object OpenAI returns; the SDK reads `error.message`, `type`, `code` and `param`. */
export interface ApiErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly param: string | null;
    readonly code: string | null;
  };
}

const byStatus: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request (injected by the stand-in).' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided (injected by the stand-in).' },
  403: { type: 'permission_error', code: null, message: 'You are not allowed to use this model (injected by the stand-in).' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist (injected by the stand-in).' },
  408: { type: 'timeout', code: null, message: 'Request timed out (injected by the stand-in).' },
  409: { type: 'invalid_request_error', code: 'conflict', message: 'Conflict (injected by the stand-in).' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests (injected by the stand-in).' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request (injected by the stand-in).' },
  502: { type: 'server_error', code: 'bad_gateway', message: 'Bad gateway (injected by the stand-in).' },
  503: { type: 'server_error', code: 'service_unavailable', message: 'The engine is currently overloaded (injected by the stand-in).' },
};

/**
 * An OpenAI-shaped error body for a status, with the type and code the real API uses for it.
 *
 * @example
 * apiErrorBody(429).error.code; // 'rate_limit_exceeded'
 */
export function apiErrorBody(
  status: number,
  message?: string,
  details: { param?: string | null; code?: string | null } = {},
): ApiErrorBody {
  const known = byStatus[status] ?? {
    type: status >= 500 ? 'server_error' : 'invalid_request_error',
    code: null,
    message: `HTTP ${status} (injected by the stand-in).`,
  };
  return {
    error: {
      message: message ?? known.message,
      type: known.type,
      param: details.param ?? null,
      code: details.code === undefined ? known.code : details.code,
    },
  };
}
