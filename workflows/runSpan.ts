import { trace, type Span } from '@opentelemetry/api';
import type { ResearchRequested } from '../src/contracts/researchRequested';
import { runSessionAttributes } from '../src/telemetry/runSessionAttributes';

/**
 * The run's own span — the Temporal interceptor's `RunWorkflow:ResearchWorkflow`, active while
 * the workflow function runs — told what the run is: the AGENT of the trace, its request as the
 * session, user, metadata and tags, and the question as its input and the short summary as its
 * output. Question and summary are prompt-derived: the worker's content policy removes them
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
}
