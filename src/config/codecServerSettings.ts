import { z } from 'zod';
import { envBoolean, envInt } from './envSchema';

/** How `research-relay codec-server` listens and whom it answers. */
export interface CodecServerSettings {
  /** Interface to bind (default 127.0.0.1: the codec server decrypts, so it stays local unless asked). */
  readonly host: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** The bearer token every /encode and /decode request must carry. */
  readonly token?: string;
  /** Serve without a token: honoured on a loopback address only. */
  readonly allowNoToken: boolean;
  /** Browser origins (the Temporal UI) allowed to call the server. */
  readonly corsOrigins: readonly string[];
}

/** An http(s) origin with a host: `file:`, custom schemes and the like have the origin "null", which any sandboxed page can claim. */
const origin = z
  .url({ protocol: /^https?$/ })
  .transform((value) => new URL(value).origin)
  .refine((value) => value !== 'null', 'an http(s) origin with a host');

/** The codec server's variables, part of the relay's environment schema. */
export const codecServerEnvShape = {
  CODEC_SERVER_HOST: z.string().regex(/^[^\s/:]+$|^\[?[0-9a-fA-F:]+\]?$/, 'a host name or IP address').default('127.0.0.1'),
  CODEC_SERVER_PORT: envInt(0, 65_535).default(8234),
  // Long enough not to be guessed; `openssl rand -hex 32` makes one.
  CODEC_SERVER_TOKEN: z.string().min(16, 'at least 16 characters (openssl rand -hex 32)').optional(),
  CODEC_SERVER_ALLOW_NO_TOKEN: envBoolean.default(false),
  // Unset: the origin of TEMPORAL_UI_URL (http://127.0.0.1:8233 by default).
  CODEC_SERVER_CORS_ORIGINS: z
    .string()
    .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0))
    .pipe(z.array(origin).min(1))
    .optional(),
};

type CodecServerEnv = z.infer<z.ZodObject<typeof codecServerEnvShape>>;

/**
 * The codec server's settings from the validated environment (the token registered as a secret).
 *
 * @example
 * const settings = codecServerSettingsFrom(parsedEnv, 'http://127.0.0.1:8233');
 */
export function codecServerSettingsFrom(env: CodecServerEnv, temporalUiUrl: string): CodecServerSettings {
  return {
    host: env.CODEC_SERVER_HOST,
    port: env.CODEC_SERVER_PORT,
    ...(env.CODEC_SERVER_TOKEN ? { token: env.CODEC_SERVER_TOKEN } : {}),
    allowNoToken: env.CODEC_SERVER_ALLOW_NO_TOKEN,
    corsOrigins: env.CODEC_SERVER_CORS_ORIGINS ?? defaultOrigins(temporalUiUrl),
  };
}

/** The Temporal UI's origin, both as 127.0.0.1 and as localhost when it is one of them; none when it has no http(s) origin. */
function defaultOrigins(temporalUiUrl: string): string[] {
  const ui = new URL(temporalUiUrl);
  if (!/^https?:$/.test(ui.protocol) || ui.origin === 'null') return [];
  const loopbackTwin = ui.hostname === '127.0.0.1' ? 'localhost' : ui.hostname === 'localhost' ? '127.0.0.1' : undefined;
  if (!loopbackTwin) return [ui.origin];
  const twin = new URL(ui.origin);
  twin.hostname = loopbackTwin;
  return [ui.origin, twin.origin];
}
