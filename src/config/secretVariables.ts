import fs from 'node:fs';

/**
 * One environment variable whose value (or the contents of the file it names) must never
 * reach a log line, a span, an event or an error message.
 */
export interface SecretVariable {
  readonly name: string;
  /** `value`: the variable's value is the secret; `file`: the contents of the file it names are. */
  readonly holds: 'value' | 'file';
  /**
   * The secrets inside a structured value, each masked on its own as well as the whole value:
   * e.g. `(value) => value.split(',')` for a list of keys.
   */
  readonly parts?: (value: string) => string[];
  /** Only the parts are secret, not the whole value (a URL whose password or token is). */
  readonly onlyParts?: boolean;
}

/**
 * Every secret the service reads, in one place: loading the configuration registers each of
 * them with the log masker, in every role (consumer, worker, CLI, operator tools, demo), and
 * a configuration error never echoes their values. A new secret variable is one line here.
 */
export const secretVariables: readonly SecretVariable[] = [
  { name: 'OPENAI_API_KEY', holds: 'value' },
  { name: 'TEMPORAL_API_KEY', holds: 'value' },
  { name: 'KAFKA_SASL_PASSWORD', holds: 'value' },
  { name: 'KAFKA_TLS_KEY_FILE', holds: 'file' },
  { name: 'TEMPORAL_TLS_KEY_FILE', holds: 'file' },
  // `id:base64,…`: each key on its own, and the lines of a key file.
  { name: 'PAYLOAD_ENCRYPTION_KEYS', holds: 'value', parts: keyMaterial },
  { name: 'PAYLOAD_ENCRYPTION_KEYS_FILE', holds: 'file', parts: keyMaterial },
  { name: 'CODEC_SERVER_TOKEN', holds: 'value' },
  { name: 'PHOENIX_API_KEY', holds: 'value' },
  { name: 'TAVILY_API_KEY', holds: 'value' },
  { name: 'TAVILY_BASE_URL', holds: 'value', parts: urlCredentials, onlyParts: true },
  { name: 'SEARXNG_URL', holds: 'value', parts: urlCredentials, onlyParts: true },
  { name: 'PHOENIX_URL', holds: 'value', parts: urlCredentials, onlyParts: true },
  // Endpoints may carry credentials: `https://user:token@host/…`, `…?api-key=…`.
  { name: 'OPENAI_BASE_URL', holds: 'value', parts: urlCredentials, onlyParts: true },
  { name: 'OTEL_EXPORTER_OTLP_ENDPOINT', holds: 'value', parts: urlCredentials, onlyParts: true },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', holds: 'value', parts: urlCredentials, onlyParts: true },
  { name: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT', holds: 'value', parts: urlCredentials, onlyParts: true },
  // Read by the OpenTelemetry exporter: `Authorization=Basic …,x-api-key=…`.
  { name: 'OTEL_EXPORTER_OTLP_HEADERS', holds: 'value', parts: headerValues },
  { name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS', holds: 'value', parts: headerValues },
  { name: 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', holds: 'value', parts: headerValues },
];

/** The base64 key of each `id:base64` entry of a key list (commas or lines). */
function keyMaterial(keys: string): string[] {
  return keys
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry && !entry.startsWith('#'))
    .map((entry) => entry.slice(entry.indexOf(':') + 1));
}

/** The password (or token) in a URL's user info and the values of its query parameters. */
function urlCredentials(value: string): string[] {
  try {
    const url = new URL(value);
    return [url.password, decodeURIComponent(url.password), ...url.searchParams.values()].filter((part) => part.length > 0);
  } catch {
    return [];
  }
}

/** The values of an OTLP headers variable (`name=value,…`, values URL-encoded), and the credential after a scheme. */
function headerValues(headers: string): string[] {
  return headers.split(',').flatMap((header) => {
    const raw = header.slice(header.indexOf('=') + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // Not URL-encoded after all: the raw value is the secret.
    }
    const credential = /^(?:Basic|Bearer|ApiKey|Token)\s+(.+)$/i.exec(value)?.[1];
    return [raw, value, ...(credential ? [credential] : [])];
  });
}

/** Whether a variable's value is secret (configuration errors then say "(hidden)"). */
export function isSecretValueVariable(name: string): boolean {
  return secretVariables.some((variable) => variable.name === name && variable.holds === 'value');
}

/**
 * The secret values the environment holds: each listed variable's value, each file's
 * contents (an unreadable file is skipped here; the configuration reports it) and each part
 * of a structured one.
 */
export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const variable of secretVariables) {
    const raw = env[variable.name];
    if (!raw) continue;
    const secret = variable.holds === 'file' ? readIfPossible(raw) : raw;
    if (secret === undefined) continue;
    if (!variable.onlyParts) values.push(secret);
    if (variable.parts) values.push(...variable.parts(secret).map((part) => part.trim()));
  }
  return [...new Set(values)].filter((value) => value.length > 0);
}

function readIfPossible(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
