import fs from 'node:fs';
import { z } from 'zod';
import { ConfigurationError } from '../errors';

/** USD per one million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
}

/** What one call cost, in USD. */
export interface CallCost {
  readonly input: number;
  readonly output: number;
}

const priceSchema = z.record(z.string().min(1), z.object({ input: z.number().min(0), output: z.number().min(0) }));

/**
 * List prices (USD per 1M tokens, standard tier) of common OpenAI models, used to estimate
 * cost when nothing else is configured. Prices change: override with LLM_PRICES (JSON) or
 * LLM_PRICES_FILE (a JSON file) as `{ "model": { "input": 2.0, "output": 8.0 } }`.
 * Unknown models cost 0 (and the event still names the model).
 */
export const defaultModelPrices: Readonly<Record<string, ModelPrice>> = {
  'gpt-4.1': { input: 2.0, output: 8.0 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10.0 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-5': { input: 1.25, output: 10.0 },
  'gpt-5-mini': { input: 0.25, output: 2.0 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  o3: { input: 2.0, output: 8.0 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o4-mini': { input: 1.1, output: 4.4 },
};

export class PriceTable {
  constructor(private readonly prices: Readonly<Record<string, ModelPrice>>) {}

  /** Reads LLM_PRICES / LLM_PRICES_FILE on top of the defaults. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): PriceTable {
    let overrides: Record<string, ModelPrice> = {};
    const parse = (text: string, variable: string): Record<string, ModelPrice> => {
      try {
        return priceSchema.parse(JSON.parse(text));
      } catch (error) {
        throw new ConfigurationError(`invalid configuration:\n  ${variable}: not a price table (${error instanceof Error ? error.message.slice(0, 200) : ''})`, [variable]);
      }
    };
    if (env.LLM_PRICES_FILE) {
      let text: string;
      try {
        text = fs.readFileSync(env.LLM_PRICES_FILE, 'utf8');
      } catch {
        throw new ConfigurationError(`invalid configuration:\n  LLM_PRICES_FILE=${env.LLM_PRICES_FILE}: cannot read the file`, ['LLM_PRICES_FILE']);
      }
      overrides = { ...overrides, ...parse(text, 'LLM_PRICES_FILE') };
    }
    if (env.LLM_PRICES) overrides = { ...overrides, ...parse(env.LLM_PRICES, 'LLM_PRICES') };
    return new PriceTable({ ...defaultModelPrices, ...overrides });
  }

  /**
   * Estimated USD cost of one call. A dated snapshot ("gpt-4.1-2025-04-14") is priced as its
   * base model when it has no entry of its own.
   */
  costUsd(model: string, inputTokens: number, outputTokens: number): number {
    const cost = this.callCost(model, inputTokens, outputTokens);
    return cost ? cost.input + cost.output : 0;
  }

  /** The USD cost of one call's input and output tokens apart; undefined for a model without a price. */
  callCost(model: string, inputTokens: number, outputTokens: number): CallCost | undefined {
    const price = this.priceOf(model);
    if (!price) return undefined;
    return { input: (inputTokens * price.input) / 1_000_000, output: (outputTokens * price.output) / 1_000_000 };
  }

  priceOf(model: string): ModelPrice | undefined {
    return this.prices[model] ?? this.prices[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
  }
}
