import type { Attributes } from '@opentelemetry/api';

/** What a span of a run says about whose run it is. */
export interface RunIdentity {
  readonly requestId: string;
  readonly requestedBy?: string | undefined;
  readonly metadata?: Readonly<Record<string, string>> | undefined;
}

/** Tags longer than this are left out (a tag is for filtering, not for carrying data). */
const maxTagLength = 100;

/**
 * The attributes that group a run in an LLM-observability backend: the request id as the
 * session, `requestedBy` as the user, the request's metadata as metadata and as `key:value`
 * tags — under the OpenInference names Phoenix reads (`session.id`, `user.id`, `metadata`,
 * `tag.tags`) and the `langfuse.*` names Langfuse reads. Pure (workflow code uses it too).
 *
 * @example
 * span.setAttributes(runSessionAttributes({ requestId: 'r-1', requestedBy: 'batch', metadata: { team: 'ml' } }));
 * // session.id=r-1, user.id=batch, metadata={"team":"ml"}, tag.tags=["team:ml"], …
 */
export function runSessionAttributes(run: RunIdentity): Attributes {
  const metadata = run.metadata ?? {};
  const tags = Object.entries(metadata)
    .map(([key, value]) => `${key}:${value}`)
    .filter((tag) => tag.length <= maxTagLength);
  return {
    'session.id': run.requestId,
    'langfuse.session.id': run.requestId,
    ...(run.requestedBy ? { 'user.id': run.requestedBy, 'langfuse.user.id': run.requestedBy } : {}),
    ...(Object.keys(metadata).length > 0 ? { metadata: JSON.stringify(metadata), 'langfuse.trace.metadata': JSON.stringify(metadata) } : {}),
    ...(tags.length > 0 ? { 'tag.tags': tags, 'langfuse.trace.tags': tags } : {}),
  };
}
