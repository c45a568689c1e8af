import { z } from 'zod';

/** "true"/"false"/"1"/"0"/"yes"/"no" → boolean; anything else is a configuration error. */
export const envBoolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'TRUE', 'FALSE'])
  .transform((value) => ['true', '1', 'yes', 'TRUE'].includes(value));

export const envInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** A comma-separated list of host:port entries. */
export const envHostPortList = z
  .string()
  .transform((value) => value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each entry must be host:port')).min(1));

export const envTopic = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/, 'a Kafka topic name (letters, digits, . _ -)');
