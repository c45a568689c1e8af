import { trace, type Span } from '@opentelemetry/api';
import type { ResearchRequested } from '../src/contracts/researchRequested';
import type { ResearchUsage } from '../src/contracts/researchUsage';
import type { BudgetStop, RunBudget } from '../src/contracts/runBudget';
import { runSessionAttributes } from '../src/telemetry/runSessionAttributes';

/**
 * The run's own span — the Temporal interceptor's `RunWorkflow:ResearchWorkflow`, active while
 * the workflow function runs — told what the run is: the AGENT of the trace, its request as the
 * session, user, metadata and tags, the question as its input and the short summary as its
 * output, its budget and what it spent. Question and summary are prompt-derived: the worker's content policy removes them
 * before export unless content capture is on. Only span data changes (no command reaches the
 * history), so replay is unaffected; without the tracing interceptor there is no span and
 * nothing happens.
 */
export class RunSpan {
  private constructor(private readonly span: Span | undefined) {}

  /** Describes the active run span (call once, as the run begins). */
  static describe(request: ResearchRequested): RunSpan {
    const span = trace.getActiveSpan();
    span?.setAttributes({
      'openinference.span.kind': 'AGENT',
      'langfuse.observation.type': 'agent',
      ...runSessionAttributes(request),
      'input.value': request.query,
      'input.mime_type': 'text/plain',
    });
    return new RunSpan(span);
  }

  /** The run's answer, as its output. */
  answered(shortSummary: string): void {
    this.span?.setAttributes({ 'output.value': shortSummary, 'output.mime_type': 'text/plain' });
  }

  /** The run's budget, once known (nothing when it has none). */
  budgeted(budget: RunBudget | undefined): void {
    if (budget?.maxCostUsd !== undefined) this.span?.setAttribute('research.budget.max_cost_usd', budget.maxCostUsd);
    if (budget?.maxTokens !== undefined) this.span?.setAttribute('research.budget.max_tokens', budget.maxTokens);
  }

  /**
   * What the run spent in all (as its result event says), and — when its budget stopped it —
   * that it did, with the estimate of the stage it did not start.
   */
  spent(usage: ResearchUsage, stop: BudgetStop | undefined): void {
    const { inputTokens, outputTokens, estimatedCostUsd } = usage.total;
    this.span?.setAttributes({
      'research.usage.input_tokens': inputTokens,
      'research.usage.output_tokens': outputTokens,
      'research.usage.total_tokens': inputTokens + outputTokens,
      'research.usage.cost_usd': estimatedCostUsd,
      ...(stop
        ? { 'research.budget.exceeded': true, 'research.budget.stop.estimated_tokens': stop.estimatedTokens, 'research.budget.stop.estimated_cost_usd': stop.estimatedCostUsd }
        : {}),
    });
  }
}
