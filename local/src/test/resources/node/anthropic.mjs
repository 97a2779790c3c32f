// The official `@anthropic-ai/sdk` against Relay's /v1/messages, as Claude Code's SDK speaks it.
import Anthropic from '@anthropic-ai/sdk';
import { apiKey, baseUrl, chunk, errorReport, model, relayRequestId, report, run, streamModel, upstreamModel } from './harness.mjs';

// Anthropic's base URL has no /v1: the SDK adds it. The key goes out as x-api-key, as Claude Code sends it.
const client = new Anthropic({ baseURL: baseUrl, apiKey, maxRetries: 0 });

function text(message) {
  return message.content.filter((block) => block.type === 'text').map((block) => block.text).join('');
}

await run({
  async create() {
    const { data: message, response } = await client.messages.create({
      model, max_tokens: 100, system: 'Be brief.', messages: [{ role: 'user', content: 'hello claude' }],
    }).withResponse();
    report({ event: 'result', requestId: relayRequestId(response), type: message.type, role: message.role,
      model: message.model, text: text(message), stop_reason: message.stop_reason, usage: message.usage });
  },

  async stream() {
    const stream = client.messages.stream({
      model: streamModel, max_tokens: 100, messages: [{ role: 'user', content: 'stream claude' }],
    });
    const types = [];
    stream.on('streamEvent', (event) => {
      if (types[types.length - 1] !== event.type) types.push(event.type);
    });
    stream.on('text', (delta) => chunk(delta));
    const message = await stream.finalMessage();
    const { response } = await stream.withResponse();
    report({ event: 'result', requestId: relayRequestId(response), types, text: text(message),
      stop_reason: message.stop_reason, usage: message.usage });
  },

  // Claude Code's call: the beta surface with anthropic-beta headers, cache_control on the system prompt and the
  // turn, metadata.user_id, streamed, to POST /v1/messages?beta=true (the SDK Claude Code bundles adds the query;
  // this version does not, so the request option does).
  async betaStream() {
    const stream = client.beta.messages.stream({
      model: streamModel, max_tokens: 100,
      betas: ['interleaved-thinking-2025-05-14', 'fine-grained-tool-streaming-2025-05-14'],
      system: [{ type: 'text', text: 'You are a coding agent.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'stream claude code', cache_control: { type: 'ephemeral' } }] }],
      metadata: { user_id: 'user_js_clients' },
    }, { query: { beta: 'true' } });
    stream.on('text', (delta) => chunk(delta));
    const message = await stream.finalMessage();
    const { response } = await stream.withResponse();
    report({ event: 'result', requestId: relayRequestId(response), url: response.url, text: text(message),
      stop_reason: message.stop_reason });
  },

  async streamBreaks() {
    const stream = client.messages.stream({
      model: streamModel, max_tokens: 100, messages: [{ role: 'user', content: 'this stream breaks' }],
    });
    stream.on('text', (delta) => chunk(delta));
    try {
      await stream.finalMessage();
      report({ event: 'result', unexpected: 'the stream ended without an error' });
    } catch (error) {
      report({ ...errorReport(error), isApiError: error instanceof Anthropic.APIError });
    }
  },

  // As Claude Code works: a streamed turn that asks for a tool, its input built from input_json_delta events,
  // then the tool's result sent back, streamed again.
  async toolRoundTrip() {
    const tools = [{
      name: 'get_weather', description: 'Weather for a city',
      input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
    }];
    const messages = [{ role: 'user', content: 'Weather in Paris?' }];
    const jsonDeltas = [];
    const first = client.messages.stream({ model: upstreamModel, max_tokens: 200, tools, messages });
    first.on('inputJson', (delta) => jsonDeltas.push(delta));
    const asked = await first.finalMessage();
    const use = asked.content.find((block) => block.type === 'tool_use');
    messages.push({ role: 'assistant', content: asked.content },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '18C and sunny' }] });
    const answered = await client.messages.stream({ model: upstreamModel, max_tokens: 200, tools, messages }).finalMessage();
    report({ event: 'result', stop_reason: asked.stop_reason, tool_use: { id: use.id, name: use.name, input: use.input },
      jsonDeltas, answer: { stop_reason: answered.stop_reason, text: text(answered) } });
  },

  async countTokens() {
    const count = await client.messages.countTokens({ model, messages: [{ role: 'user', content: 'a'.repeat(400) }] });
    report({ event: 'result', input_tokens: count.input_tokens });
  },

  async unknownModel() {
    try {
      await client.messages.create({ model: 'no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      report({ event: 'result', unexpected: 'no error' });
    } catch (error) {
      report({ ...errorReport(error), isNotFound: error instanceof Anthropic.NotFoundError });
    }
  },

  async badRequest() {
    try {
      await client.messages.create({ model, max_tokens: 10, temperature: 1.5, messages: [{ role: 'user', content: 'x' }] });
      report({ event: 'result', unexpected: 'no error' });
    } catch (error) {
      report({ ...errorReport(error), isBadRequest: error instanceof Anthropic.BadRequestError });
    }
  },

  async wrongKey() {
    const stranger = new Anthropic({ baseURL: baseUrl, apiKey: 'sk-not-a-relay-key', maxRetries: 0 });
    try {
      await stranger.messages.create({ model, max_tokens: 10, messages: [{ role: 'user', content: 'x' }] });
      report({ event: 'result', unexpected: 'no error' });
    } catch (error) {
      report({ ...errorReport(error), isAuthentication: error instanceof Anthropic.AuthenticationError });
    }
  },
});
