// Vercel's `ai` with `@ai-sdk/openai` pointed at Relay: the provider's default model, openai(name), speaks the
// Responses API; openai.chat(name) speaks chat completions.
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, streamText } from 'ai';
import { apiKey, baseUrl, chunk, errorReport, model, relayRequestId, report, run, streamModel } from './harness.mjs';

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
  report({ event: 'result', requestId: relayRequestId(await result.response), text,
    finishReason: await result.finishReason, usage: await result.usage, errors });
}

await run({
  generateResponses: () => generate(openai(model), 'hello responses'),
  streamResponses: () => stream(openai(streamModel), 'stream responses'),
  generateChat: () => generate(openai.chat(model), 'hello chat'),
  streamChat: () => stream(openai.chat(streamModel), 'stream chat'),
});
