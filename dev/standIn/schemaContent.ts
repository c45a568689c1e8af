import { fieldText } from './fieldText';
import { formattedString } from './formattedString';
import { researchSentence } from './researchProse';
import { arrayLength } from './requestedCount';
import type { SeededRandom } from './seededRandom';
import type { TopicTerms } from './topicTerms';

/** Any value JSON can carry. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

type SchemaNode = Record<string, unknown>;

/** Everything that decides the generated document; equal inputs give an equal document. */
export interface SchemaContentRequest {
  /** The JSON Schema from the request (zod 4 → `toJSONSchema`, draft-7 `definitions` or 2020-12 `$defs`). */
  readonly schema: unknown;
  /** The structured-output format name, used as a hint ("search" → search-agent summaries). */
  readonly formatName?: string;
  readonly terms: TopicTerms;
  /** The "exactly N" count from the prompt, applied to outermost arrays only. */
  readonly requestedCount?: number;
  readonly random: SeededRandom;
}

interface Position {
  /** Property name, or the enclosing array's name for its items. */
  readonly name: string;
  readonly path: string;
  /** Index of the nearest enclosing array item (rotates templates so siblings differ). */
  readonly index: number;
  readonly insideArray: boolean;
  /** The `$ref`s followed to get here. */
  readonly refs: readonly string[];
  /** How often a `$ref` already on the way here was followed again: the recursion depth. */
  readonly cycles: number;
}

/**
 * Recursive schemas (a tree of sections) must end. Inside the first recursion lists get at most
 * two items; from the second on, only required fields and minimal lists are generated.
 */
const recursionLimit = 2;

/**
 * Generates a JSON value that validates against the schema, with prose that fits each field's
 * name. Supports the subset OpenAI structured outputs accept and zod 4 emits: `type` (also as a
 * list), `properties`/`required`, `items`, `enum`, `const`, `anyOf`/`oneOf` (first viable
 * branch), `allOf` (merged), `$ref` into `definitions`/`$defs`, string `minLength`/`maxLength`/
 * `format`/`pattern` (best effort), numeric bounds and `multipleOf`, `minItems`/`maxItems`.
 * Nullable fields always get a non-null value, the way a real model answers.
 *
 * @example
 * schemaContent({ schema, terms: topicTermsOf(input), random: createSeededRandom(seed) });
 */
export function schemaContent(request: SchemaContentRequest): JsonValue {
  const root = isNode(request.schema) ? request.schema : {};
  const generator = new Generator(root, request);
  const start: Position = { name: request.formatName ?? 'root', path: '$', index: 0, insideArray: false, refs: [], cycles: 0 };
  return generator.value(root, start);
}

class Generator {
  constructor(
    private readonly root: SchemaNode,
    private readonly request: SchemaContentRequest,
  ) {}

  value(schema: unknown, at: Position): JsonValue {
    if (schema === false) return null;
    if (!isNode(schema)) return this.text({}, at);
    if (typeof schema.$ref === 'string') {
      const { $ref, ...siblings } = schema;
      return this.value({ ...this.resolve($ref), ...siblings }, following(at, [$ref]));
    }
    if ('const' in schema) return schema.const as JsonValue;
    if (Array.isArray(schema.enum) && schema.enum.length > 0) {
      const choices = (schema.enum as JsonValue[]).filter((choice) => choice !== null);
      return this.random(at).pick(choices.length > 0 ? choices : (schema.enum as JsonValue[]));
    }
    if (Array.isArray(schema.allOf)) {
      const { allOf, ...rest } = schema;
      const parts = allOf as unknown[];
      const refs = parts.flatMap((part) => (isNode(part) && typeof part.$ref === 'string' ? [part.$ref] : []));
      const merged = mergeAll([rest, ...parts.map((part) => this.deref(part))]);
      return this.value(merged, following(at, refs));
    }
    const union = Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : undefined;
    if (union) {
      const { anyOf: _anyOf, oneOf: _oneOf, ...rest } = schema;
      const branch = this.chooseBranch(union, at);
      // Keywords beside the union (a description, a shared type) still apply to the chosen branch;
      // a $ref branch is resolved by the next step, which counts it towards the recursion limit.
      return this.value(isNode(branch) ? { ...rest, ...branch } : branch, at);
    }
    switch (this.typeOf(schema, at)) {
      case 'object':
        return this.object(schema, at);
      case 'array':
        return this.array(schema, at);
      case 'integer':
        return this.number(schema, at, true);
      case 'number':
        return this.number(schema, at, false);
      case 'boolean':
        return this.random(at).chance(0.5);
      case 'null':
        return null;
      default:
        return this.text(schema, at);
    }
  }

  private object(schema: SchemaNode, at: Position): JsonValue {
    const properties = isNode(schema.properties) ? schema.properties : {};
    const required = Array.isArray(schema.required) ? schema.required.filter((key) => typeof key === 'string') : [];
    const result: { [key: string]: JsonValue } = {};
    for (const [key, property] of Object.entries(properties)) {
      // Deep inside a recursive schema only required fields are filled, so the tree stays finite.
      if (this.deep(at) && !required.includes(key)) continue;
      result[key] = this.value(property, { ...at, name: key, path: `${at.path}.${key}` });
    }
    if (schema.additionalProperties !== false) {
      for (const key of required) {
        if (!(key in result)) result[key] = this.value({}, { ...at, name: key, path: `${at.path}.${key}` });
      }
    }
    return result;
  }

  private array(schema: SchemaNode, at: Position): JsonValue {
    const minItems = typeof schema.minItems === 'number' ? schema.minItems : undefined;
    const maxItems = typeof schema.maxItems === 'number' ? schema.maxItems : undefined;
    const tuple = Array.isArray(schema.items) ? (schema.items as unknown[]) : undefined;
    // The prompt's "exactly N" names the main list (the searches), not lists nested in its items.
    const requested = at.insideArray ? undefined : this.request.requestedCount;
    const length = tuple
      ? tuple.length
      : this.deep(at)
        ? (minItems ?? 0)
        : at.cycles > 0
          ? arrayLength(minItems, maxItems, 2)
          : arrayLength(minItems, maxItems, requested);
    const items: JsonValue[] = [];
    const seen = new Set<string>();
    for (let index = 0; index < length; index += 1) {
      const itemSchema = tuple ? tuple[index] : schema.items;
      let item: JsonValue = null;
      // uniqueItems: enum picks can collide, so retry an item a few times with a fresh fork.
      for (let attempt = 0; attempt < 8; attempt += 1) {
        const suffix = attempt === 0 ? '' : `~${attempt}`;
        item = this.value(itemSchema, {
          ...at,
          path: `${at.path}[${index}]${suffix}`,
          index: index + attempt,
          insideArray: true,
        });
        if (schema.uniqueItems !== true || !seen.has(JSON.stringify(item))) break;
      }
      seen.add(JSON.stringify(item));
      items.push(item);
    }
    return items;
  }

  private number(schema: SchemaNode, at: Position, integer: boolean): number {
    const random = this.random(at);
    const num = (key: string): number | undefined => (typeof schema[key] === 'number' ? schema[key] : undefined);
    const step = integer ? 1 : 0.01;
    const exclusiveMin = num('exclusiveMinimum');
    const exclusiveMax = num('exclusiveMaximum');
    let low = Math.max(num('minimum') ?? -Infinity, exclusiveMin === undefined ? -Infinity : exclusiveMin + step);
    let high = Math.min(num('maximum') ?? Infinity, exclusiveMax === undefined ? Infinity : exclusiveMax - step);
    if (low > high) {
      // Exclusive bounds closer than one step: the midpoint is the only safe choice.
      const lower = exclusiveMin ?? num('minimum') ?? high;
      const upper = exclusiveMax ?? num('maximum') ?? low;
      return (lower + upper) / 2;
    }
    // Narrow wide bounds (zod's int() spans ±2^53) to a plausible range for the field's name.
    [low, high] = plausibleRange(low, high, defaultRange(at.name, integer));
    const multipleOf = num('multipleOf') ?? (integer ? 1 : undefined);
    if (multipleOf !== undefined && multipleOf > 0) {
      const first = Math.ceil(low / multipleOf);
      const last = Math.floor(high / multipleOf);
      if (first <= last) return Number((random.int(first, last) * multipleOf).toPrecision(12));
      return integer ? Math.ceil(low) : low;
    }
    const value = Math.round((low + random.next() * (high - low)) * 100) / 100;
    return value >= low && value <= high ? value : low;
  }

  private text(schema: SchemaNode, at: Position): string {
    // Siblings share one source and differ by index, which rotates templates and terms: seven
    // planned searches get seven different templates instead of seven independent draws.
    const random = this.request.random.fork(at.path.replace(/\[\d+\](~\d+)?(?=[^[]*$)/, '[]'));
    const context = { terms: this.request.terms, formatName: this.request.formatName };
    const format = typeof schema.format === 'string' ? formattedString(schema.format, context.terms, random) : undefined;
    const text = format ?? fieldText(at.name, context, random, at.index);
    const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
    const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Infinity;
    const filler = (): string => researchSentence(context.terms, random.fork('filler'), at.index);
    const fitted = fitLength(text, minLength, maxLength, filler);
    if (typeof schema.pattern !== 'string') return fitted;
    const pattern = compile(schema.pattern);
    if (!pattern || pattern.test(fitted)) return fitted;
    const keyword = context.terms.keywords[at.index % Math.max(context.terms.keywords.length, 1)] ?? 'research';
    const candidates = [keyword, keyword.toLowerCase(), keyword.toUpperCase(), 'research', 'Research', 'RESEARCH', 'abc',
      '123', 'a1', 'A1', 'abc-123', 'abc_123', '2024-01-01', 'x'];
    for (const candidate of candidates) {
      const fit = fitLength(candidate, minLength, maxLength, () => candidate);
      if (pattern.test(fit)) return fit;
    }
    // No candidate fits an unusual pattern; a plausible string beats a refusal for a test double.
    return fitted;
  }

  /** First viable branch: not the null branch (unless recursion must end), not `false`. */
  private chooseBranch(branches: unknown[], at: Position): unknown {
    const isNull = (branch: unknown): boolean => isNode(branch) && (branch.type === 'null' || branch.const === null);
    if (this.deep(at)) {
      const terminal = branches.find(isNull) ?? branches.find((branch) => isNode(branch) && !('$ref' in branch));
      if (terminal !== undefined) return terminal;
    }
    return branches.find((branch) => branch !== false && !isNull(branch)) ?? branches[0];
  }

  private typeOf(schema: SchemaNode, at: Position): string {
    const { type } = schema;
    if (typeof type === 'string') return type;
    if (Array.isArray(type)) {
      const types = type.filter((entry): entry is string => typeof entry === 'string');
      if (this.deep(at) && types.includes('null')) return 'null';
      return types.find((entry) => entry !== 'null') ?? types[0] ?? 'string';
    }
    if ('properties' in schema || 'required' in schema || 'additionalProperties' in schema) return 'object';
    if ('items' in schema || 'minItems' in schema || 'maxItems' in schema) return 'array';
    if ('minimum' in schema || 'maximum' in schema || 'multipleOf' in schema) return 'number';
    return 'string';
  }

  private deep(at: Position): boolean {
    return at.cycles >= recursionLimit;
  }

  private deref(schema: unknown): unknown {
    if (isNode(schema) && typeof schema.$ref === 'string') {
      const { $ref, ...siblings } = schema;
      return { ...this.resolve($ref), ...siblings };
    }
    return schema;
  }

  /** Resolves a local JSON pointer ("#", "#/definitions/x", "#/$defs/x"); anything else is unconstrained. */
  private resolve(ref: string): SchemaNode {
    if (!ref.startsWith('#')) return {};
    let node: unknown = this.root;
    for (const raw of ref.slice(1).split('/').filter((part) => part.length > 0)) {
      const part = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
      node = isNode(node) ? node[part] : undefined;
    }
    return isNode(node) ? node : {};
  }

  private random(at: Position): SeededRandom {
    return this.request.random.fork(at.path);
  }
}

function following(at: Position, refs: readonly string[]): Position {
  const again = refs.some((ref) => at.refs.includes(ref));
  return { ...at, refs: [...at.refs, ...refs], cycles: at.cycles + (again ? 1 : 0) };
}

function isNode(value: unknown): value is SchemaNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges allOf parts: properties and required are unioned, other keywords later-wins. */
function mergeAll(parts: unknown[]): SchemaNode {
  const merged: SchemaNode = {};
  const properties: SchemaNode = {};
  const required = new Set<string>();
  for (const part of parts.filter(isNode)) {
    Object.assign(merged, part);
    if (isNode(part.properties)) Object.assign(properties, part.properties);
    if (Array.isArray(part.required)) for (const key of part.required) if (typeof key === 'string') required.add(key);
  }
  if (Object.keys(properties).length > 0) merged.properties = properties;
  if (required.size > 0) merged.required = [...required];
  return merged;
}

/** The part of [low, high] nearest to the plausible range; never outside [low, high]. */
function plausibleRange(low: number, high: number, [plausibleLow, plausibleHigh]: [number, number]): [number, number] {
  const from = Math.max(low, plausibleLow);
  const to = Math.min(high, plausibleHigh);
  if (from <= to) return [from, to];
  const width = plausibleHigh - plausibleLow;
  // Disjoint: stay within the bounds, at the end closest to the plausible range.
  return plausibleHigh < low ? [low, Math.min(high, low + width)] : [Math.max(low, high - width), high];
}

/** Plausible ranges for numbers, by what the field name says it counts. */
function defaultRange(name: string, integer: boolean): [number, number] {
  const field = name.toLowerCase();
  if (field.includes('year')) return [2015, 2025];
  if (/percent|pct/.test(field)) return [0, 100];
  if (/confidence|probability|score|ratio|share|weight|relevance/.test(field)) return integer ? [1, 10] : [0, 1];
  if (/count|number|total|rank|position|index|priority/.test(field)) return [1, 10];
  return integer ? [1, 100] : [0, 100];
}

function compile(pattern: string): RegExp | undefined {
  try {
    return new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
}

/**
 * Fits text into [min, max] code points (JSON Schema counts code points): long text is cut at a
 * word boundary when one is near the limit, short text is extended with filler sentences.
 */
function fitLength(text: string, min: number, max: number, filler: () => string): string {
  let chars = Array.from(text);
  for (let round = 0; chars.length < min && round < 1000; round += 1) chars = Array.from(`${chars.join('')} ${filler()}`);
  if (chars.length < min) chars = chars.concat(Array.from('x'.repeat(min - chars.length)));
  if (chars.length <= max) return chars.join('');
  const cut = chars.slice(0, max).join('');
  const space = cut.lastIndexOf(' ');
  const trimmed = space >= Math.max(min, max * 0.6) ? cut.slice(0, space).replace(/[\s,;:-]+$/, '') : cut;
  return Array.from(trimmed).length >= min ? trimmed : cut;
}
