import type { Producer } from 'kafkajs';
import type { createActivities } from '../../activities/createActivities';
import { createOpenAIClient } from '../../src/llm/openaiClientFactory';
import { PriceTable } from '../../src/llm/priceTable';
import { silentLogger } from '../../src/logging/logger';
import type { SearchProvider } from '../../src/search/searchProvider';

export type ActivityDependencies = Parameters<typeof createActivities>[0];

/**
 * The activities' dependencies for tests of one activity at a time: the stand-in at `baseUrl`,
 * no client retries, one attempt per activity, and no heartbeat during a test (a cancellation
 * must reach the model call through its abort signal). Publishing is covered by the pipeline
 * tests, so the producer is a placeholder unless one is given.
 */
export function testActivityDependencies(baseUrl: string, searchProvider: SearchProvider, overrides: Partial<ActivityDependencies> = {}): ActivityDependencies {
  return {
    openai: createOpenAIClient({ baseUrl, timeoutMs: 5000, maxRetries: 0 }),
    searchProvider,
    producer: {} as Producer,
    topics: { requested: 'r', completed: 'c', failed: 'f', deadLetter: 'd', progress: 'p', cancel: 'x' },
    models: { planner: 'gpt-4.1', searcher: 'gpt-4.1-mini', writer: 'gpt-4.1' },
    prices: new PriceTable({ 'gpt-4.1': { input: 2, output: 8 }, 'gpt-4.1-mini': { input: 0.4, output: 1.6 } }),
    logger: silentLogger,
    runSettings: { searchConcurrency: 5, llmActivityTimeoutMs: 60_000, llmActivityAttempts: 1, llmRetryInitialMs: 100 },
    heartbeatIntervalMs: 60_000,
    ...overrides,
  };
}
