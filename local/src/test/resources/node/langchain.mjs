// LangChain's `@langchain/openai` ChatOpenAI pointed at Relay with configuration.baseURL.
import { ChatOpenAI } from '@langchain/openai';
import { HumanMessage, SystemMessage } from '@langchain/core/messages';
import { apiKey, baseUrl, chunk, model, relayRequestId, report, run, streamModel } from './harness.mjs';

// LangChain keeps the HTTP answer to itself: a fetch of our own notes Relay's request ids on the way.
const requestIds = [];
function chat(name) {
  return new ChatOpenAI({
    model: name, apiKey, maxRetries: 0,
    configuration: {
      baseURL: `${baseUrl}/v1`,
      fetch: async (url, init) => {
        const response = await fetch(url, init);
        requestIds.push(relayRequestId(response));
        return response;
      },
    },
  });
}

await run({
  async invoke() {
    const answer = await chat(model).invoke([new SystemMessage('Be brief.'), new HumanMessage('hello langchain')]);
    report({ event: 'result', requestIds, content: answer.content, usage: answer.usage_metadata,
      finish_reason: answer.response_metadata?.finish_reason });
  },

  async stream() {
    const stream = await chat(streamModel).stream([new HumanMessage('stream langchain')]);
    let text = '';
    for await (const part of stream) {
      if (typeof part.content === 'string' && part.content) {
        text += part.content;
        chunk(part.content);
      }
    }
    report({ event: 'result', requestIds, content: text });
  },
});
