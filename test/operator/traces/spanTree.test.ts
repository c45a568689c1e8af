import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { llmCallOf } from '../../../operator/traces/llmCall';
import { buildSpanTree } from '../../../operator/traces/spanTree';
import { flatAttributes, timestampUs } from '../../../operator/traces/traceSpan';
import { llmUsage as llm, t0Us as t0, traceSpan as span } from '../../support/traceSpans';

describe('the span tree of a trace', () => {
  it('puts children under their parents in start order, depth-first, whatever order the spans arrive in', () => {
    const spans = [
      span('c2', 'b', 'second child', 50, 60),
      span('b', 'a', 'child', 10, 90),
      span('c1', 'b', 'first child', 20, 40),
      span('a', undefined, 'root', 0, 100),
      span('d', 'a', 'late child', 95, 99),
    ];
    const tree = buildSpanTree(spans);
    assert.deepEqual(tree.ordered.map((node) => `${node.depth}:${node.span.name}`), ['0:root', '1:child', '2:first child', '2:second child', '1:late child']);
    assert.deepEqual(tree.roots.map((root) => root.span.spanId), ['a']);
    assert.equal(tree.endUs - tree.startUs, 100_000);
    assert.equal(tree.totals.spans, 5);
  });

  it('shows a span whose parent is not in the trace as a root of its own, marked, and loses no span', () => {
    const tree = buildSpanTree([span('a', undefined, 'root', 0, 10), span('x', 'not-exported', 'orphan', 5, 20), span('y', 'x', 'under the orphan', 6, 8)]);
    assert.deepEqual(tree.roots.map((root) => [root.span.name, root.parentMissing]), [['root', false], ['orphan', true]]);
    assert.equal(tree.ordered.length, 3);
    assert.equal(tree.totals.parentsMissing, 1);
  });

  it('sums tokens and cost over LLM spans only, counting a model call wrapped in another LLM span once', () => {
    const tree = buildSpanTree([
      span('root', undefined, 'research.plan', 0, 100, { attributes: { 'llm.token_count.total': 999 } }), // not an LLM span: never summed
      span('outer', 'root', 'chat gpt-4.1', 10, 90, llm(100, 20, 0.5)),
      span('inner', 'outer', 'openai.chat', 11, 89, llm(100, 20, 0.5)), // an SDK's span of the same call
      span('other', 'root', 'chat gpt-4.1-mini', 91, 99, llm(7, 3)),
      span('failed', 'root', 'chat gpt-4.1-mini', 92, 95, { kind: 'LLM', status: 'ERROR', statusMessage: '429' }),
    ]);
    const { totals } = tree;
    assert.deepEqual(
      [totals.llmCalls, totals.promptTokens, totals.completionTokens, totals.totalTokens, totals.costUsd, totals.llmCallsWithoutCost, totals.errors],
      [3, 107, 23, 130, 0.5, 2, 1],
    );
    assert.equal(tree.ordered.find((node) => node.span.spanId === 'inner')?.countedInTotals, false);
  });
});

describe('what an LLM span says about its call', () => {
  it('reads the OpenInference attributes, else the GenAI ones, and the cost from llm.cost.*, else the relay’s own attribute', () => {
    assert.deepEqual(llmCallOf(span('a', undefined, 'chat', 0, 1, { kind: 'LLM', attributes: { 'llm.model_name': 'gpt-4.1', 'gen_ai.agent.name': 'planner', 'llm.token_count.prompt': 10, 'llm.token_count.completion': 5, 'llm.cost.prompt': 0.25, 'llm.cost.completion': 0.5 } })), {
      model: 'gpt-4.1', agent: 'planner', promptTokens: 10, completionTokens: 5, totalTokens: 15, costUsd: 0.75,
    });
    const genAi = llmCallOf(span('b', undefined, 'chat', 0, 1, { attributes: { 'openinference.span.kind': 'LLM', 'gen_ai.request.model': 'm', 'gen_ai.usage.input_tokens': 3, 'gen_ai.usage.output_tokens': 4, 'research_relay.llm.cost_usd': 0.01 } }));
    assert.deepEqual(genAi, { model: 'm', agent: undefined, promptTokens: 3, completionTokens: 4, totalTokens: 7, costUsd: 0.01 });
    assert.equal(llmCallOf(span('c', undefined, 'research.plan', 0, 1, { kind: 'CHAIN', attributes: { 'llm.token_count.prompt': 10 } })), undefined);
  });

  it('keeps the microseconds of a time and flattens nested attributes', () => {
    assert.equal(timestampUs('2026-01-01T00:00:00.123456+00:00') - t0, 123_456);
    assert.equal(timestampUs('2026-01-01T01:00:00.5+01:00') - t0, 500_000);
    assert.equal(timestampUs('2026-01-01T00:00:00Z'), t0);
    assert.throws(() => timestampUs('yesterday'), /not an ISO 8601 time/);
    assert.deepEqual(flatAttributes({ llm: { token_count: { prompt: 1 } }, 'session.id': 's', tags: ['a'] }), { 'llm.token_count.prompt': 1, 'session.id': 's', tags: ['a'] });
  });
});
