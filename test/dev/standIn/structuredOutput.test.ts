import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import OpenAI from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { type StandInServer, startStandInServer } from '../../../dev/standIn';
import { EveryFeature, ReportData, SearchPlan, SearchSummary } from './researchSchemas';

const words = (text: string): number => text.split(/\s+/).filter((token) => /[\p{L}\p{N}]/u.test(token)).length;

describe('structured output from the stand-in', () => {
  let standIn: StandInServer;
  let client: OpenAI;

  before(async () => {
    standIn = await startStandInServer();
    client = new OpenAI({ baseURL: standIn.baseUrl, apiKey: 'sk-test-not-a-real-key', maxRetries: 0 });
  });

  after(async () => {
    await standIn.stop();
  });

  it('a planner asked for exactly 7 search items gets 7 distinct searches about its topic', async () => {
    const response = await client.responses.parse({
      model: 'gpt-4.1',
      instructions: 'You are a research planner. Plan web searches that answer the question.',
      input: 'How do heat pumps perform in cold climates? Return exactly 7 search items.',
      text: { format: zodTextFormat(SearchPlan, 'search_plan') },
    });
    const plan = SearchPlan.parse(response.output_parsed);
    assert.equal(plan.searches.length, 7);
    assert.equal(new Set(plan.searches.map((search) => search.query)).size, 7, 'queries repeat');
    for (const search of plan.searches) {
      assert.match(search.query, /heat pumps|cold climates/);
      assert.doesNotMatch(search.query, /[?.]$/, 'a query is not a sentence');
      assert.match(search.reason, /^[A-Z].*\.$/, 'a reason is a sentence');
    }
    assert.equal(response.status, 'completed');
    assert.equal(response.model, 'gpt-4.1');
    assert.match(response.id, /^resp_/);
  });

  it('a planner without a count gets five searches, the lower bound of its schema', async () => {
    const response = await client.responses.parse({
      model: 'gpt-4.1',
      input: 'Offshore wind supply chains',
      text: { format: zodTextFormat(SearchPlan, 'search_plan') },
    });
    assert.equal(response.output_parsed?.searches.length, 5);
  });

  it('a writer gets a markdown report of at least 1,000 words, a short summary and follow-up questions', async () => {
    const response = await client.responses.parse({
      model: 'gpt-4.1',
      instructions: 'You are a senior researcher writing a cohesive report.',
      input: 'Original query: solid-state battery recycling in the EU. Summarised search results follow.',
      text: { format: zodTextFormat(ReportData, 'report_data') },
    });
    const report = ReportData.parse(response.output_parsed);
    assert.ok(words(report.markdownReport) >= 1_000, `only ${words(report.markdownReport)} words`);
    assert.match(report.markdownReport, /^# \S/);
    assert.ok((report.markdownReport.match(/^## /gm) ?? []).length >= 5, 'a report has sections');
    assert.match(report.markdownReport, /solid-state battery recycling/i);
    const sentences = report.shortSummary.split(/(?<=\.)\s+/);
    assert.ok(sentences.length >= 2 && sentences.length <= 3, `summary has ${sentences.length} sentences`);
    assert.ok(report.followUpQuestions.length >= 1);
    for (const question of report.followUpQuestions) assert.match(question, /^[A-Z].*\?$/);
  });

  it('a search agent (format named "search") gets two or three paragraphs under 300 words', async () => {
    const response = await client.responses.parse({
      model: 'gpt-4.1-mini',
      input: 'Search term: perovskite solar cell durability',
      text: { format: zodTextFormat(SearchSummary, 'web_search_summary') },
    });
    const summary = SearchSummary.parse(response.output_parsed).summary;
    const paragraphs = summary.split('\n\n');
    assert.ok(paragraphs.length >= 2 && paragraphs.length <= 3, `${paragraphs.length} paragraphs`);
    assert.ok(words(summary) < 300, `${words(summary)} words`);
    assert.match(summary, /perovskite solar cell durability/);
  });

  it('the same request twice yields the identical answer, and a different input a different one', async () => {
    const request = {
      model: 'gpt-4.1',
      instructions: 'Plan searches.',
      input: 'Grid-scale storage economics. Return exactly 6 search items.',
      text: { format: zodTextFormat(SearchPlan, 'search_plan') },
    };
    const first = await client.responses.parse(request);
    const second = await client.responses.parse(request);
    const other = await client.responses.parse({ ...request, input: 'Desalination energy costs. Return exactly 6 search items.' });
    assert.equal(first.output_text, second.output_text);
    assert.deepEqual(first.output_parsed, second.output_parsed);
    assert.notEqual(first.id, second.id, 'ids are per response');
    assert.notEqual(first.output_text, other.output_text);
  });

  it('every supported schema feature validates: nullable, enum, const, unions, lengths, formats, bounds, refs', async () => {
    const response = await client.responses.parse({
      model: 'gpt-4.1',
      input: 'Coral reef bleaching and ocean warming',
      text: { format: zodTextFormat(EveryFeature, 'every_feature') },
    });
    const value = EveryFeature.parse(response.output_parsed);
    assert.notEqual(value.nullableText, null, 'nullable fields get a value, as from a real model');
    assert.equal(value.kind, 'finding');
    assert.equal(value.exactlyThree.length, 3);
    assert.ok(value.year >= 1900 && value.year <= 2100, `implausible year ${value.year}`);
    assert.match(value.sourceUrl, /^https:\/\/stand-in\.invalid\//);
    // The recursive outline must end: depth is bounded by the recursion limit.
    const depth = (section: { subsections: unknown[] }): number =>
      1 + Math.max(0, ...section.subsections.map((child) => depth(child as { subsections: unknown[] })));
    assert.ok(depth(value.outline) <= 4, `outline depth ${depth(value.outline)}`);
  });

  it('a hand-written draft 2020-12 schema ($defs, oneOf, type lists) also gets a valid answer', async () => {
    const response = await client.responses.parse({
      model: 'gpt-4.1',
      input: 'Coral reef bleaching and ocean warming',
      text: {
        format: { type: 'json_schema', name: 'every_feature_2020', schema: z.toJSONSchema(EveryFeature), strict: false },
      },
    });
    const schemaText = JSON.stringify(z.toJSONSchema(EveryFeature));
    assert.match(schemaText, /"#\/\$defs\//, 'the schema really uses $defs');
    assert.match(schemaText, /"oneOf"/, 'the schema really uses oneOf');
    const value = EveryFeature.parse(response.output_parsed);
    assert.equal(value.kind, 'finding');
  });

  it('chat.completions.parse returns message.parsed that satisfies the zod schema', async () => {
    const completion = await client.chat.completions.parse({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'You are a research planner.' },
        { role: 'user', content: 'Urban heat islands and tree cover. Return exactly 9 search items.' },
      ],
      response_format: zodResponseFormat(SearchPlan, 'search_plan'),
    });
    const choice = completion.choices[0];
    assert.ok(choice);
    assert.equal(choice.finish_reason, 'stop');
    assert.equal(completion.object, 'chat.completion');
    assert.equal(completion.model, 'gpt-4o-mini');
    const plan = SearchPlan.parse(choice.message.parsed);
    assert.equal(plan.searches.length, 9);
    assert.match(plan.searches[0]?.query ?? '', /urban heat islands|tree cover/);
  });

  it('a request without a schema gets plain research prose about its input', async () => {
    const response = await client.responses.create({
      model: 'gpt-4.1',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'What is known about microplastics in drinking water?' }] }],
    });
    assert.match(response.output_text, /microplastics in drinking water/);
    assert.throws(() => JSON.parse(response.output_text) as unknown);
    assert.ok(words(response.output_text) > 50);
  });
});
