import { z } from 'zod';

/**
 * A request's id: 1–200 letters, digits and `._:-`. It is the Kafka key, part of the
 * workflow id and the dedupe key, so it must be safe in all three.
 */
export const requestIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'requestId must be 1–200 characters of letters, digits and . _ : -');
