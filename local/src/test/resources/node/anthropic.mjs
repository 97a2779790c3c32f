// The official `@anthropic-ai/sdk` against Relay's /v1/messages, as Claude Code's SDK speaks it.
import Anthropic from '@anthropic-ai/sdk';
import { apiKey, baseUrl, chunk, errorReport, model, relayRequestId, report, run, streamModel } from './harness.mjs';

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
