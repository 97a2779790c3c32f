// Vercel's `ai` with `@ai-sdk/openai` pointed at Relay: the provider's default model, openai(name), speaks the
// Responses API; openai.chat(name) speaks chat completions.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, stepCountIs, streamText, tool } from 'ai';
import { apiKey, baseUrl, chunk, errorReport, model, relayRequestId, report, run, streamModel, upstreamModel } from './harness.mjs';

const openai = createOpenAI({ baseURL: `${baseUrl}/v1`, apiKey });

async function generate(languageModel, prompt) {
  const result = await generateText({ model: languageModel, system: 'Be brief.', prompt, maxRetries: 0 });
  report({ event: 'result', requestId: relayRequestId(result.response), text: result.text,
    finishReason: result.finishReason, usage: result.usage });
}

async function stream(languageModel, prompt) {
  const errors = [];
  const result = streamText({
    model: languageModel, prompt, maxRetries: 0, onError: ({ error }) => errors.push(errorReport(error)),
  });
  let text = '';
  for await (const delta of result.textStream) {
    text += delta;
    chunk(delta);
  }
  const settled = (promise) => promise.then((value) => value, (error) => ({ rejected: errorReport(error) }));
  report({ event: 'result', requestId: relayRequestId(await settled(result.response)), text,
    finishReason: await settled(result.finishReason), usage: await settled(result.usage), errors });
}

// An agent's loop: the model asks for the tool, the SDK runs it and sends the result back, the model answers.
async function toolLoop(languageModel) {
  const weather = tool({
    description: 'Weather for a city',
    inputSchema: jsonSchema({ type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }),
    execute: async ({ city }) => `18C and sunny in ${city}`,
  });
  const result = await generateText({
    model: languageModel, prompt: 'Weather in Paris?', tools: { get_weather: weather }, stopWhen: stepCountIs(3), maxRetries: 0,
  });
  report({ event: 'result', text: result.text, steps: result.steps.map((step) => ({
    finishReason: step.finishReason,
    toolCalls: step.toolCalls.map((call) => ({ id: call.toolCallId, name: call.toolName, input: call.input })),
    toolResults: step.toolResults.map((toolResult) => toolResult.output),
  })) });
}

await run({
  generateResponses: () => generate(openai(model), 'hello responses'),
  streamResponses: () => stream(openai(streamModel), 'stream responses'),
  generateChat: () => generate(openai.chat(model), 'hello chat'),
  streamChat: () => stream(openai.chat(streamModel), 'stream chat'),
  streamResponsesBreaks: () => stream(openai(streamModel), 'this stream breaks'),
  streamChatBreaks: () => stream(openai.chat(streamModel), 'this stream breaks'),
  toolsResponses: () => toolLoop(openai(upstreamModel)),
});
