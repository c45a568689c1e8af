import { createSecretKey, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import { ConfigurationError } from '../errors';

/**
 * The keys that encrypt what Temporal stores (workflow inputs, activity inputs and results,
 * memos): encode always uses the current key; decode picks the key by the id in the payload,
 * so a key can rotate while runs encrypted under the old one are still open.
 */
export interface PayloadEncryptionSettings {
  /** The key every new payload is encrypted with. */
  readonly currentKeyId: string;
  /** Every key a payload may name, by id (AES-256 secret keys, built once at start-up). */
  readonly keys: ReadonlyMap<string, KeyObject>;
}

/** The variables as read from the environment (empty strings already dropped). */
export interface PayloadEncryptionVariables {
  readonly PAYLOAD_ENCRYPTION_KEYS?: string | undefined;
  readonly PAYLOAD_ENCRYPTION_KEYS_FILE?: string | undefined;
  readonly PAYLOAD_ENCRYPTION_KEY_ID?: string | undefined;
}

const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
const base64Pattern = /^[A-Za-z0-9+/]+={0,2}$/;
const keyBytes = 32;

/**
 * Reads the encryption keys: `PAYLOAD_ENCRYPTION_KEYS` or the file `PAYLOAD_ENCRYPTION_KEYS_FILE`
 * names, both as `keyId:base64key` entries separated by commas or new lines (`#` starts a comment
 * line in the file). The current key is `PAYLOAD_ENCRYPTION_KEY_ID`, by default the LAST entry:
 * rotating means appending the new key. Undefined when no keys are configured (encryption off).
 * Each key's text is registered as a secret, so no log line can show it; errors name the
 * variable and the key id, never key material.
 *
 * @example
 * const encryption = payloadEncryptionFromEnv({ PAYLOAD_ENCRYPTION_KEYS: `k1:${key1},k2:${key2}` });
 * console.log(encryption?.currentKeyId); // "k2"
 */
export function payloadEncryptionFromEnv(env: PayloadEncryptionVariables): PayloadEncryptionSettings | undefined {
  const { PAYLOAD_ENCRYPTION_KEYS: inline, PAYLOAD_ENCRYPTION_KEYS_FILE: file, PAYLOAD_ENCRYPTION_KEY_ID: currentId } = env;
  if (inline && file) fail('PAYLOAD_ENCRYPTION_KEYS', 'set either PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE, not both');
  if (!inline && !file) {
    if (currentId) fail('PAYLOAD_ENCRYPTION_KEY_ID', 'is set but no keys are configured (PAYLOAD_ENCRYPTION_KEYS or PAYLOAD_ENCRYPTION_KEYS_FILE)');
    return undefined;
  }
  const variable = inline ? 'PAYLOAD_ENCRYPTION_KEYS' : 'PAYLOAD_ENCRYPTION_KEYS_FILE';
  const keys = parseKeyEntries(inline ?? readKeyFile(file ?? ''), variable);
  const currentKeyId = currentId ?? [...keys.keys()].at(-1) ?? '';
  if (!keys.has(currentKeyId)) fail('PAYLOAD_ENCRYPTION_KEY_ID', `names key "${currentKeyId}", which ${variable} does not list (it lists ${[...keys.keys()].join(', ')})`);
  return { currentKeyId, keys };
}

function readKeyFile(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text
      .split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .join(',');
  } catch (error) {
    return fail('PAYLOAD_ENCRYPTION_KEYS_FILE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
}

function parseKeyEntries(text: string, variable: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  const entries = text.split(/[,\n]/).map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  if (entries.length === 0) fail(variable, 'lists no keys (expected keyId:base64key entries)');
  entries.forEach((entry, index) => {
    const separator = entry.indexOf(':');
    const id = separator > 0 ? entry.slice(0, separator) : '';
    const material = separator > 0 ? entry.slice(separator + 1).trim() : '';
    if (!keyIdPattern.test(id)) fail(variable, `entry ${index + 1} is not keyId:base64key (a key id is 1-64 of A-Z a-z 0-9 . _ -)`);
    if (keys.has(id)) fail(variable, `key id "${id}" is listed twice`);
    if (!base64Pattern.test(material)) fail(variable, `key "${id}" is not base64; make one with: openssl rand -base64 32`);
    const bytes = Buffer.from(material, 'base64');
    if (bytes.length !== keyBytes) {
      fail(variable, `key "${id}" must be ${keyBytes} bytes in base64 (got ${bytes.length}); make one with: openssl rand -base64 32`);
    }
    keys.set(id, createSecretKey(bytes));
    bytes.fill(0);
  });
  return keys;
}

function fail(variable: string, problem: string): never {
  const line = `${variable}: ${problem}`;
  throw new ConfigurationError(`invalid configuration:\n  ${line}`, [line]);
}
