import fs from 'node:fs';

/**
 * One environment variable whose value (or the contents of the file it names) must never
 * reach a log line, a span, an event or an error message.
 */
export interface SecretVariable {
  readonly name: string;
  /** `value`: the variable's value is the secret; `file`: the contents of the file it names are. */
  readonly holds: 'value' | 'file';
  /** A list of secrets in one variable (e.g. `id1:key1,id2:key2`): each part is masked on its own too. */
  readonly separator?: RegExp;
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
];

/** Whether a variable's value is secret (configuration errors then say "(hidden)"). */
export function isSecretValueVariable(name: string): boolean {
  return secretVariables.some((variable) => variable.name === name && variable.holds === 'value');
}

/**
 * The secret values the environment holds: each listed variable's value, each file's
 * contents (an unreadable file is skipped here; the configuration reports it) and each part
 * of a list-valued variable.
 */
export function secretValuesOf(env: NodeJS.ProcessEnv): string[] {
  const values: string[] = [];
  for (const variable of secretVariables) {
    const raw = env[variable.name];
    if (!raw) continue;
    const secret = variable.holds === 'file' ? readIfPossible(raw) : raw;
    if (secret === undefined) continue;
    values.push(secret);
    if (variable.separator) values.push(...secret.split(variable.separator).map((part) => part.trim()));
  }
  return values.filter((value) => value.length > 0);
}

function readIfPossible(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}
