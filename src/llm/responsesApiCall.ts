import { zodTextFormat } from 'openai/helpers/zod';
import type { ResponseIncludable, Tool } from 'openai/resources/responses/responses';
import type { z } from 'zod';
import { responsesAnswerFinish, spanFinishReason } from './answerFinish';
import type { ModelAnswer } from './modelAnswer';
import { sdkCallOptions, type StructuredRequest } from './structuredRequest';

/** What one Responses call sends besides instructions and input, for the usage estimate of an abandoned call. */
export function responsesFormat(request: StructuredRequest<z.ZodType>): { name: string; schema: unknown } {
  const format = zodTextFormat(request.schema, request.schemaName);
  return { name: format.name, schema: format.schema };
}

/**
 * One call of the Responses API (`POST /responses`) with a strict json_schema text format and
 * `max_output_tokens`, read into a {@link ModelAnswer}.
 */
export async function callResponsesApi(request: StructuredRequest<z.ZodType>): Promise<ModelAnswer> {
  const response = await request.client.responses.create(
    {
      model: request.model,
      instructions: request.instructions,
      input: request.input,
      text: { format: zodTextFormat(request.schema, request.schemaName) },
      ...(request.tools ? { tools: request.tools } : {}),
      ...includeFor(request.tools),
      ...(request.maxOutputTokens !== undefined ? { max_output_tokens: request.maxOutputTokens } : {}),
    },
    sdkCallOptions(request),
  );
  const finish = responsesAnswerFinish(response);
  const usage = response.usage;
  return {
    id: typeof response.id === 'string' ? response.id : '',
    model: response.model || request.model,
    text: typeof response.output_text === 'string' ? response.output_text : '',
    finish,
    finishReason: spanFinishReason(finish, response.status === 'completed' ? 'stop' : (response.status ?? 'unknown')),
    ...(usage ? { usage: { inputTokens: usage.input_tokens, outputTokens: usage.output_tokens } } : {}),
    output: Array.isArray(response.output) ? response.output : [],
  };
}

/**
 * What the call must ask to get back beyond the answer: with a hosted web search tool, the
 * sources it consulted. The API lists them (`web_search_call.action.sources`) only when asked,
 * and puts no `url_citation` annotations inside a json_schema answer, so without this a
 * structured answer comes back with no sources at all.
 */
function includeFor(tools: readonly Tool[] | undefined): { include?: ResponseIncludable[] } {
  const searchesWeb = tools?.some((tool) => tool.type === 'web_search' || tool.type === 'web_search_2025_08_26') ?? false;
  return searchesWeb ? { include: ['web_search_call.action.sources'] } : {};
}
