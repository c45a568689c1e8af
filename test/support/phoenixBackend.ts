/** Reads traces back from the local Phoenix (started by the test command) through its own APIs. */

export const phoenixUrl = `http://127.0.0.1:${process.env.PHOENIX_PORT ?? '6006'}`;
export const phoenixGrpcEndpoint = `http://127.0.0.1:${process.env.PHOENIX_GRPC_PORT ?? '4317'}`;

/** One span as Phoenix's REST API (`GET /v1/projects/{project}/spans`) returns it. */
export interface PhoenixSpan {
  readonly name: string;
  readonly context: { readonly trace_id: string; readonly span_id: string };
  readonly parent_id: string | null;
  readonly span_kind: string;
  readonly start_time: string;
  readonly end_time: string;
  readonly status_code: string;
  readonly attributes: Record<string, unknown>;
}

/** Every span of one trace in the project, following Phoenix's cursor pages. */
export async function phoenixSpans(project: string, traceId: string): Promise<PhoenixSpan[]> {
  const spans: PhoenixSpan[] = [];
  let cursor: string | null = null;
  do {
    const query = new URLSearchParams({ trace_id: traceId, limit: '100', ...(cursor ? { cursor } : {}) });
    const response = await fetch(`${phoenixUrl}/v1/projects/${encodeURIComponent(project)}/spans?${query.toString()}`);
    if (response.status === 404) return []; // the project appears with its first span
    if (!response.ok) throw new Error(`Phoenix answered ${response.status}: ${await response.text()}`);
    const page = (await response.json()) as { data: PhoenixSpan[]; next_cursor: string | null };
    spans.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return spans;
}

/** What Phoenix itself makes of a trace: its session, user and the cost it priced from its model table. */
export interface PhoenixTraceSummary {
  readonly numSpans: number;
  readonly userId: string | null;
  readonly session: { readonly sessionId: string } | null;
  readonly costSummary: { readonly total: { readonly cost: number | null; readonly tokens: number | null } };
}

export async function phoenixTraceSummary(project: string, traceId: string): Promise<PhoenixTraceSummary | undefined> {
  const query = `query ($traceId: ID!) { projects(first: 1000) { edges { node { name trace(traceId: $traceId) {
    numSpans userId session { sessionId } costSummary { total { cost tokens } } } } } } }`;
  const response = await fetch(`${phoenixUrl}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables: { traceId } }) });
  const body = (await response.json()) as { data?: { projects: { edges: { node: { name: string; trace: PhoenixTraceSummary | null } }[] } }; errors?: unknown };
  if (!body.data) throw new Error(`Phoenix GraphQL: ${JSON.stringify(body.errors)}`);
  return body.data.projects.edges.find((edge) => edge.node.name === project)?.node.trace ?? undefined;
}

/** The names from a span up to the trace's root, by Phoenix's parent links. */
export function phoenixAncestry(spans: readonly PhoenixSpan[], span: PhoenixSpan): string[] {
  const byId = new Map(spans.map((candidate) => [candidate.context.span_id, candidate]));
  const names: string[] = [];
  for (let current: PhoenixSpan | undefined = span; current; current = current.parent_id ? byId.get(current.parent_id) : undefined) names.push(current.name);
  return names;
}

/**
 * Starts the relay's telemetry exporting to the local Phoenix over OTLP/gRPC into `project`, with
 * content capture off. Call it before anything loads kafkajs (import the pipeline dynamically
 * afterwards): its instrumentation patches the module as it loads.
 */
export async function startPhoenixTelemetry(project: string): Promise<import('../../src/telemetry/telemetry').Telemetry> {
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = phoenixGrpcEndpoint;
  process.env.PHOENIX_PROJECT_NAME = project;
  delete process.env.OTEL_EXPORTER_OTLP_PROTOCOL;
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  const { startTelemetry } = await import('../../src/telemetry/telemetry.js');
  return startTelemetry();
}
