import { ApplicationFailure } from '@temporalio/common';
import type { CallAllowances } from '../../activities/callAllowances';
import type { CompletedDraft, FailedDraft } from '../../activities/completionPublisher';
import type { ResearchActivities, WorkerRunSettings } from '../../activities/createActivities';
import type { ProgressDraft } from '../../activities/progressPublisher';
import type { AgentUsage } from '../../src/contracts/researchUsage';

/** An agent's usage in the fakes: `tokens` in and `tokens` out, a micro-dollar each. */
export const fakeUsage = (model: string, tokens: number): AgentUsage => ({ model, calls: 1, inputTokens: tokens, outputTokens: tokens, estimatedCostUsd: (2 * tokens) / 1e6 });
export const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/**
 * Allowances for budget checks in the fakes: `prompt` and `output` tokens per call, a
 * micro-dollar per token, and a character a token for the input the workflow adds.
 */
export function fakeAllowances(tokens: { planner: [number, number]; searcher: [number, number]; writer: [number, number] }, callsPerActivity?: number): CallAllowances {
  const allowance = (model: string, [promptTokens, outputTokens]: [number, number]) => ({ model, inputUsdPerToken: 1e-6, outputUsdPerToken: 1e-6, promptTokens, outputTokens });
  return { planner: allowance('planner-model', tokens.planner), searcher: allowance('searcher-model', tokens.searcher), writer: allowance('writer-model', tokens.writer), charsPerToken: 1, ...(callsPerActivity !== undefined ? { callsPerActivity } : {}) };
}

/** Fake agents whose behaviour each test sets; they record what the workflow asked of them. */
export class FakeAgents {
  published: CompletedDraft[] = [];
  failed: FailedDraft[] = [];
  /** Each progress batch the workflow asked to publish, in order. */
  progress: ProgressDraft[][] = [];
  /** What the progress activity does: publish, fail (non-retryable), or hang until `progressGate` opens. */
  progressBehaviour: 'publish' | 'fail' | 'hang' = 'publish';
  progressGate: Promise<void> = Promise.resolve();
  running = 0;
  peakSearches = 0;
  searchCalls = 0;
  writeCalls = 0;
  searchGate: Promise<void> = Promise.resolve();
  planError: Error | undefined;
  failingSearches = new Set<string>();
  publishGate: Promise<void> = Promise.resolve();
  publishing = false;
  /** Tokens (each way) one search spends. */
  searchTokens = 5;
  /** The worker's run settings: each run reads them as it begins. */
  settings: WorkerRunSettings = { searchConcurrency: 3, llmActivityTimeoutMs: 60_000, llmActivityAttempts: 1, llmRetryInitialMs: 10 };

  activities(): ResearchActivities {
    return {
      runSettings: () => Promise.resolve(this.settings),
      planSearches: async ({ maxSearches }) => {
        if (this.planError) throw this.planError;
        const count = maxSearches ?? 6;
        return Promise.resolve({ searches: Array.from({ length: count }, (_, i) => ({ query: `q${i}`, reason: `r${i}` })), usage: fakeUsage('planner-model', 10) });
      },
      runSearch: async ({ query }) => {
        this.searchCalls += 1;
        this.running += 1;
        this.peakSearches = Math.max(this.peakSearches, this.running);
        try {
          await this.searchGate;
          await new Promise((resolve) => setTimeout(resolve, 20));
          if (this.failingSearches.has(query)) throw ApplicationFailure.create({ type: 'ModelRequestError', message: `search ${query} failed`, nonRetryable: true });
          return { summary: `summary of ${query}`, searchProvider: 'fake', sources: [{ title: query, url: `https://example.test/${query}` }], usage: fakeUsage('searcher-model', this.searchTokens) };
        } finally {
          this.running -= 1;
        }
      },
      writeReport: ({ findings }) => {
        this.writeCalls += 1;
        return Promise.resolve({ report: { shortSummary: `from ${findings.length}`, markdownReport: '# r', followUpQuestions: ['next?'] }, usage: fakeUsage('writer-model', 20) });
      },
      publishCompleted: async (draft, _context, lastSteps) => {
        this.publishing = true;
        await this.publishGate;
        this.published.push(draft);
        this.publishing = false;
        if (lastSteps) this.progress.push(lastSteps);
        return { eventId: 'e-completed', topic: 'completed' };
      },
      publishFailed: (draft, _context, lastSteps) => {
        this.failed.push(draft);
        if (lastSteps) this.progress.push(lastSteps);
        return Promise.resolve({ eventId: 'e-failed', topic: 'failed' });
      },
      publishProgress: async (drafts) => {
        this.progress.push(drafts);
        if (this.progressBehaviour === 'fail') throw ApplicationFailure.create({ type: 'EventInvalidError', message: 'the progress topic refuses the batch', nonRetryable: true });
        if (this.progressBehaviour === 'hang') await this.progressGate;
        return { published: drafts.length, topic: 'progress' };
      },
    };
  }

  /** Every progress step of one request, in the order the workflow reported them. */
  progressOf(requestId: string): ProgressDraft[] {
    return this.progress.flat().filter((draft) => draft.requestId === requestId);
  }
}
