import { zodResponseFormat } from 'openai/helpers/zod';
import type { z } from 'zod';
import { ConfigurationError } from '../errors';
import { chatAnswerFinish, spanFinishReason } from './answerFinish';
import type { ModelAnswer } from './modelAnswer';
import { sdkCallOptions, type StructuredRequest } from './structuredRequest';

/** What one Chat Completions call sends besides instructions and input, for the usage estimate of an abandoned call. */
export function chatFormat(request: StructuredRequest<z.ZodType>): { name: string; schema: unknown } {
  const format = zodResponseFormat(request.schema, request.schemaName);
  return { name: format.json_schema.name, schema: format.json_schema.schema };
}

/**
 * One call of Chat Completions (`POST /chat/completions`) with a strict json_schema
 * `response_format`, the form every OpenAI-compatible server accepts (vLLM, Ollama, llama.cpp,
 * LiteLLM, TGI, Azure OpenAI, …), read into a {@link ModelAnswer}. The output allowance goes in
 * `max_completion_tokens`, or in `max_tokens` for servers that know only the older field.
 */
export async function callChatCompletions(request: StructuredRequest<z.ZodType>): Promise<ModelAnswer> {
  if (request.tools && request.tools.length > 0) {
    // Hosted tools are a Responses API feature; start-up refuses the combination (modelAccess).
    throw new ConfigurationError(`${request.agent}: hosted tools (${request.tools.map((tool) => tool.type).join(', ')}) need MODEL_API=responses`, ['MODEL_API', 'SEARCH_PROVIDER']);
  }
  const completion = await request.client.chat.completions.create(
    {
      model: request.model,
      messages: [
        { role: 'system', content: request.instructions },
        { role: 'user', content: request.input },
      ],
      response_format: zodResponseFormat(request.schema, request.schemaName),
      ...(request.maxOutputTokens !== undefined ? { [request.tokenLimitField ?? 'max_completion_tokens']: request.maxOutputTokens } : {}),
    },
    sdkCallOptions(request),
  );
  // A proxy's page or a broken server can answer 200 without the fields the type promises.
  const choice = Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  const finish = chatAnswerFinish(choice);
  const usage = completion.usage;
  return {
    id: typeof completion.id === 'string' ? completion.id : '',
    model: completion.model || request.model,
    text: choice?.message?.content ?? '',
    finish,
    finishReason: spanFinishReason(finish, choice?.finish_reason ?? 'unknown'),
    ...(usage ? { usage: { inputTokens: usage.prompt_tokens, outputTokens: usage.completion_tokens } } : {}),
    output: [],
  };
}
