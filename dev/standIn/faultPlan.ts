import { z } from 'zod';
import { FaultPlanError } from './standInErrors';

/*
 * The fault plan is a contract shared by three writers: code in the test process
 * (`startStandInServer({ faults })`, `setFaults`), other processes (`PUT /__standin/faults`) and the
 * command line (`STANDIN_FAULTS`). The zod schema is its single source of truth; every edge
 * validates with `parseFaultPlan`.
 */

const statusFault = z.strictObject({
  kind: z.literal('status'),
  /** HTTP status to answer with, e.g. 429, 500, 503, 400. */
  status: z.number().int().min(400).max(599),
  /** Sent as `retry-after` (and `retry-after-ms`); fractions are allowed to keep tests fast. */
  retryAfterSeconds: z.number().min(0).max(3600).optional(),
  /** The error message in the OpenAI-shaped body; a default per status otherwise. */
  message: z.string().optional(),
});

const delayFault = z.strictObject({
  kind: z.literal('delay'),
  /** Wait this long, then answer normally: longer than the client timeout makes it time out. */
  ms: z.number().int().min(0).max(600_000),
});

const malformedFault = z.strictObject({ kind: z.literal('malformed') });
const schemaViolationFault = z.strictObject({ kind: z.literal('schemaViolation') });
const okFault = z.strictObject({ kind: z.literal('ok') });
/** 200 with valid JSON whose every text is stretched to `chars` characters: a model that does not stop. */
const oversizedFault = z.strictObject({ kind: z.literal('oversized'), chars: z.number().int().min(1).max(50_000_000) });
/** 200, `status: "incomplete"` (`max_output_tokens`): the answer cut off, its output tokens the call's allowance when it sent one. */
const incompleteFault = z.strictObject({ kind: z.literal('incomplete') });
/** 200, completed, but the message's one content part is a `refusal`: the SDK's `output_text` is ''. */
const refusalFault = z.strictObject({ kind: z.literal('refusal') });
/** 200, `status: "incomplete"` (`content_filter`): the provider stopped the answer partway. */
const contentFilterFault = z.strictObject({ kind: z.literal('content-filter') });

/** One injected behaviour for one call. */
export const faultSchema = z.discriminatedUnion('kind', [
  statusFault,
  delayFault,
  malformedFault,
  schemaViolationFault,
  okFault,
  oversizedFault,
  incompleteFault,
  refusalFault,
  contentFilterFault,
]);

/** Which calls a rule applies to; every given field must match, an absent field matches anything. */
export const faultMatchSchema = z.strictObject({
  /** Request path, e.g. "/v1/responses" (the "/v1" prefix may be left out). */
  path: z.string().optional(),
  /** Exact model name from the request body. */
  model: z.string().optional(),
  /** Exact structured-output format name (`zodTextFormat(schema, name)`). */
  formatName: z.string().optional(),
  /** Substring of the request's instructions or input text. */
  inputIncludes: z.string().optional(),
});

/** A counted sequence of faults for the calls one rule matches. */
export const faultRuleSchema = z.strictObject({
  match: faultMatchSchema.optional(),
  /** Call k of this rule gets sequence[k]. */
  sequence: z.array(faultSchema).min(1),
  /** After the sequence: start over (true) or answer normally (false, the default). */
  repeat: z.boolean().optional(),
});

/** The whole plan; the first rule whose match fits a call decides that call. */
export const faultPlanSchema = z.strictObject({ rules: z.array(faultRuleSchema) });

/**
 * One injected behaviour: `status` (an OpenAI-shaped error), `delay` (answer late), `malformed`
 * (200 with text that is not JSON), `schemaViolation` (200 with JSON that breaks the schema),
 * `oversized` (200 with valid JSON whose texts are `chars` long), `incomplete` (200, the answer cut
 * off at `max_output_tokens`), `refusal` (200, a `refusal` content part instead of text),
 * `content-filter` (200, the answer cut off by the content filter) or `ok` (a normal answer that
 * still uses up a place in the sequence).
 */
export type Fault = z.infer<typeof faultSchema>;
/** The name of a fault, as recorded in `RecordedCall.fault`. */
export type FaultKind = Fault['kind'];
/** Which calls a rule applies to. */
export type FaultMatch = z.infer<typeof faultMatchSchema>;
/** A matcher and the faults for its 1st, 2nd, … matching call. */
export type FaultRule = z.infer<typeof faultRuleSchema>;
/**
 * Faults to inject, rule by rule.
 *
 * @example
 * const plan: FaultPlan = {
 *   rules: [{ match: { formatName: 'research_plan' }, sequence: [{ kind: 'status', status: 429, retryAfterSeconds: 0.1 }] }],
 * };
 */
export type FaultPlan = z.infer<typeof faultPlanSchema>;

/** A plan that injects nothing. */
export const noFaults: FaultPlan = { rules: [] };

/**
 * Validates a fault plan from any source (an object, or JSON text from an env var or HTTP body).
 *
 * @throws {FaultPlanError} when the JSON or the plan is invalid.
 * @example
 * parseFaultPlan('{"rules":[{"sequence":[{"kind":"status","status":429,"retryAfterSeconds":0}]}]}');
 */
export function parseFaultPlan(input: unknown): FaultPlan {
  let value = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input) as unknown;
    } catch (error) {
      throw new FaultPlanError(`fault plan is not JSON: ${error instanceof Error ? error.message : String(error)}`, []);
    }
  }
  const result = faultPlanSchema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new FaultPlanError(`invalid fault plan: ${problems.join('; ')}`, problems);
  }
  return result.data;
}
