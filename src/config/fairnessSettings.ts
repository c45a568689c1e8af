import { z } from 'zod';

/**
 * How runs share the workers between tenants (Temporal's task-queue fairness): which field of
 * the request names the tenant, and the tenants that get more (or less) than an equal share.
 */
export interface FairnessSettings {
  /** The request field whose value is the run's fairness key: `requestedBy` or `metadata.<key>`. */
  readonly keyField: FairnessKeyField;
  /** Weight per field value (default 1): a tenant with weight 3 gets three times the dispatches of one with 1 while both wait. */
  readonly weights: ReadonlyMap<string, number>;
}

/** Where the fairness key comes from: the sender, or one metadata entry (its key may contain dots). */
export type FairnessKeyField = { readonly kind: 'requestedBy' } | { readonly kind: 'metadata'; readonly key: string };

/** Temporal clamps weights to this range; a value outside it is a mistake worth naming. */
const weightRange = { min: 0.001, max: 1000 } as const;

/** Temporal refuses fairness keys longer than this (UTF-8 bytes). */
export const fairnessKeyMaxBytes = 64;

const keyField = z
  .string()
  .regex(/^(requestedBy|metadata\..{1,64})$/, 'requestedBy or metadata.<key> (a metadata key is 1-64 characters)')
  .transform((value): FairnessKeyField => (value === 'requestedBy' ? { kind: 'requestedBy' } : { kind: 'metadata', key: value.slice('metadata.'.length) }));

const weightList = z.string().transform((value, context) => {
  const weights = new Map<string, number>();
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  for (const entry of entries) {
    // The last colon: a tenant name may hold one (`org:team-a:3`), a weight never does.
    const separator = entry.lastIndexOf(':');
    // Trimmed both sides of the colon: `team-a : 3` weights team-a (not "team-a "), `team-a:` has no weight (not 0).
    const key = separator > 0 ? entry.slice(0, separator).trim() : '';
    const weightText = separator > 0 ? entry.slice(separator + 1).trim() : '';
    const weight = weightText === '' ? Number.NaN : Number(weightText);
    // Any length: weights go by the tenant's name, which runPriority cuts (or hashes) into a key later.
    if (key === '' || !Number.isFinite(weight)) context.addIssue({ code: 'custom', message: `"${entry}" is not key:weight` });
    else if (weight < weightRange.min || weight > weightRange.max) context.addIssue({ code: 'custom', message: `the weight of "${key}" must be between ${weightRange.min} and ${weightRange.max}` });
    else if (weights.has(key)) context.addIssue({ code: 'custom', message: `"${key}" is listed twice` });
    else weights.set(key, weight);
  }
  return weights;
});

/** Fairness's variables, part of the relay's environment schema. */
export const fairnessEnvShape = {
  FAIRNESS_KEY_FIELD: keyField.default({ kind: 'metadata', key: 'team' }),
  FAIRNESS_WEIGHTS: weightList.optional(),
};

type FairnessEnv = z.infer<z.ZodObject<typeof fairnessEnvShape>>;

/**
 * The fairness settings from the validated environment.
 *
 * @example
 * const fairness = fairnessSettingsFrom(parsedEnv);
 * // { keyField: { kind: 'metadata', key: 'team' }, weights: Map { 'team-a' => 3 } } with FAIRNESS_WEIGHTS=team-a:3
 */
export function fairnessSettingsFrom(env: FairnessEnv): FairnessSettings {
  return { keyField: env.FAIRNESS_KEY_FIELD, weights: env.FAIRNESS_WEIGHTS ?? new Map() };
}
