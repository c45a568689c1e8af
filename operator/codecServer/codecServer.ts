import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import type { CodecServerSettings } from '../../src/config/codecServerSettings';
import { loadRelayConfig, type RelayConfig } from '../../src/config/relayConfig';
import { ConfigurationError, PayloadDecryptionError } from '../../src/errors';
import { silentLogger, type Logger } from '../../src/logging/logger';
import { payloadEncryptionCodec } from '../../src/temporal/temporalDataConverter';
import { applyCors, bearerTokenMatches, isLoopbackHost } from './codecServerAccess';
import { PayloadJsonError, payloadsFromJson, payloadsToJson } from './payloadJson';

export interface CodecServerOptions {
  /** Keys, namespace and listening settings (default: loadRelayConfig(process.env)). */
  readonly config?: RelayConfig;
  /** Overrides CODEC_SERVER_HOST. */
  readonly host?: string;
  /** Overrides CODEC_SERVER_PORT (0: a free port). */
  readonly port?: number;
  readonly logger?: Logger;
}

export interface CodecServer {
  /** Where it listens, e.g. http://127.0.0.1:8234 — the Temporal UI's and CLI's codec endpoint. */
  readonly url: string;
  close(): Promise<void>;
}

/** Larger bodies are refused: one history page of payloads stays far below it. */
const maxBodyBytes = 32 * 1024 * 1024;

/** A request the server answers with a status and a message, never a stack trace. */
class CodecRequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Temporal's remote codec protocol over HTTP, so an authorised operator can read encrypted
 * histories in the Temporal UI and CLI: POST `…/encode` and `…/decode` with
 * `{"payloads": [...]}` in protobuf JSON, answered in kind (400 for a body or payload it cannot
 * take). Every request needs `Authorization: Bearer <CODEC_SERVER_TOKEN>`; without a token it
 * refuses to start, unless bound to a loopback address with CODEC_SERVER_ALLOW_NO_TOKEN=true.
 * Answers CORS preflights for CODEC_SERVER_CORS_ORIGINS (the Temporal UI). A request naming
 * another namespace in `X-Namespace` is refused: the keys are this namespace's.
 *
 * @example
 * const server = await startCodecServer({ port: 8234 });
 * // temporal workflow show -w research-r1 --codec-endpoint http://127.0.0.1:8234 --codec-auth "Bearer $CODEC_SERVER_TOKEN"
 * process.once('SIGINT', () => void server.close());
 */
export async function startCodecServer(options: CodecServerOptions = {}): Promise<CodecServer> {
  const config = options.config ?? loadRelayConfig(process.env);
  const logger = options.logger ?? silentLogger;
  const settings: CodecServerSettings = { ...config.codecServer, ...(options.host !== undefined ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}) };
  const encryption = config.temporal.payloadEncryption;
  if (!encryption) throw configurationError('PAYLOAD_ENCRYPTION_KEYS', 'the codec server needs the encryption keys: set PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE');
  checkAuthorisation(settings);
  const codec = payloadEncryptionCodec(encryption);
  const namespace = config.temporal.namespace;
  const server = http.createServer((request, response) => {
    handle(request, response, { settings, codec, namespace }).catch((error: unknown) => answerError(response, error, logger));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(new Error(`cannot listen on ${settings.host}:${settings.port} (CODEC_SERVER_HOST, CODEC_SERVER_PORT): ${error.code ?? error.message}`, { cause: error })));
    server.listen(settings.port, settings.host.replace(/^\[|\]$/g, ''), resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  if (!isLoopbackHost(settings.host)) {
    logger.warn('the codec server answers in plain HTTP on a non-loopback address: the token and the decrypted payloads cross the network in clear unless TLS is put in front of it', { host: settings.host });
  }
  logger.info('codec server listening', { url: `http://${host}:${address.port}`, namespace, authenticated: Boolean(settings.token), corsOrigins: settings.corsOrigins });
  return {
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Without a token the server decrypts for anyone who can reach it: loopback only, and only when asked. */
function checkAuthorisation(settings: CodecServerSettings): void {
  if (settings.token) return;
  if (!settings.allowNoToken) {
    throw configurationError('CODEC_SERVER_TOKEN', 'is not set: the codec server decrypts for whoever asks. Set a token (openssl rand -hex 32), or on 127.0.0.1 set CODEC_SERVER_ALLOW_NO_TOKEN=true');
  }
  if (!isLoopbackHost(settings.host)) {
    throw configurationError('CODEC_SERVER_ALLOW_NO_TOKEN', `is honoured on a loopback address only, not on ${settings.host} (CODEC_SERVER_HOST / --host): set CODEC_SERVER_TOKEN`);
  }
}

interface CodecEndpoint {
  readonly settings: CodecServerSettings;
  readonly codec: PayloadCodec;
  readonly namespace: string;
}

async function handle(request: IncomingMessage, response: ServerResponse, endpoint: CodecEndpoint): Promise<void> {
  const { settings, codec, namespace } = endpoint;
  const corsAllowed = applyCors(request, response, settings.corsOrigins);
  if (!settings.token) refuseForeignCallers(request, corsAllowed);
  if (request.method === 'OPTIONS') {
    response.writeHead(corsAllowed ? 204 : 403).end();
    return;
  }
  // The protocol: only the last path segment says which operation (mountable at any depth).
  const operation = new URL(request.url ?? '/', 'http://codec').pathname.split('/').filter(Boolean).at(-1);
  if (operation !== 'encode' && operation !== 'decode') throw new CodecRequestError(404, 'POST …/encode or …/decode');
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST, OPTIONS');
    throw new CodecRequestError(405, `${request.method ?? '?'} is not allowed; POST …/${operation}`);
  }
  if (settings.token && !bearerTokenMatches(request, settings.token)) {
    response.setHeader('WWW-Authenticate', 'Bearer realm="research-relay codec server"');
    throw new CodecRequestError(401, 'a valid "Authorization: Bearer <CODEC_SERVER_TOKEN>" header is required');
  }
  const asked = request.headers['x-namespace'];
  if (typeof asked === 'string' && asked !== '' && asked !== namespace) throw new CodecRequestError(403, `this codec server serves namespace "${namespace}", not "${asked}"`);
  const payloads = payloadsFromJson(await readBody(request));
  const result = operation === 'encode' ? await codec.encode(payloads) : await codec.decode(payloads);
  response.writeHead(200, { 'Content-Type': 'application/json' }).end(payloadsToJson(result));
}

/**
 * Without a token, only the local machine's own pages may call: a loopback Host (a page whose
 * name was rebound to 127.0.0.1 still sends its own name) and no foreign Origin.
 */
function refuseForeignCallers(request: IncomingMessage, corsAllowed: boolean): void {
  const host = (request.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  if (!['127.0.0.1', 'localhost', '::1'].includes(host)) throw new CodecRequestError(403, 'without CODEC_SERVER_TOKEN only requests to a loopback host name are served');
  if (request.headers.origin !== undefined && !corsAllowed) throw new CodecRequestError(403, 'without CODEC_SERVER_TOKEN only the allowed origins (CODEC_SERVER_CORS_ORIGINS) may call');
}

function answerError(response: ServerResponse, error: unknown, logger: Logger): void {
  // A decryption error tells the caller why its payload failed, not which key ids this server holds.
  const [status, message] =
    error instanceof CodecRequestError
      ? [error.status, error.message]
      : error instanceof PayloadDecryptionError
        ? [400, error.callerMessage]
        : error instanceof PayloadJsonError
          ? [400, error.message]
          : [500, 'internal error'];
  if (status === 500) logger.error('codec server request failed', { error });
  // The whole reason (key ids included: no secret, never key material) for the operator only.
  else logger.debug('codec server refused a request', { status, reason: error instanceof Error ? error.message : message });
  if (!response.headersSent) response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  response.end(`${message}\n`);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) throw new CodecRequestError(413, `the body is larger than ${maxBodyBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function configurationError(variable: string, problem: string): ConfigurationError {
  const line = `${variable} ${problem}`;
  return new ConfigurationError(`invalid configuration:\n  ${line}`, [line]);
}
