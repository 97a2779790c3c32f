// The official `openai` package against Relay: chat, streaming, legacy completions, embeddings, Responses, errors.
import OpenAI from 'openai';
import { apiKey, baseUrl, chunk, errorReport, model, relayRequestId, report, run, streamModel } from './harness.mjs';

const client = new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey, maxRetries: 0 });

await run({
  async chat() {
    const { data: completion, response } = await client.chat.completions.create({
      model,
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello from node' }],
    }).withResponse();
    report({ event: 'result', requestId: relayRequestId(response), object: completion.object, model: completion.model,
      content: completion.choices[0].message.content, finish_reason: completion.choices[0].finish_reason,
      usage: completion.usage });
  },

  async chatStream() {
    const { data: stream, response } = await client.chat.completions.create({
      model: streamModel, stream: true, stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'stream to node' }],
    }).withResponse();
    let text = '';
    let finish = null;
    let usage = null;
    for await (const part of stream) {
      const content = part.choices[0]?.delta?.content;
      if (content) {
        text += content;
        chunk(content);
      }
      finish = part.choices[0]?.finish_reason ?? finish;
      usage = part.usage ?? usage;
    }
    report({ event: 'result', requestId: relayRequestId(response), content: text, finish_reason: finish, usage });
  },

  async completionStream() {
    const { data: stream, response } = await client.completions.create({
      model: streamModel, prompt: 'complete me', stream: true,
    }).withResponse();
    let text = '';
    let object = null;
    for await (const part of stream) {
      object = part.object;
      const piece = part.choices[0]?.text;
      if (piece) {
        text += piece;
        chunk(piece);
      }
    }
    report({ event: 'result', requestId: relayRequestId(response), object, content: text });
  },

  async embeddings() {
    // No encoding_format: the SDK asks for base64 and decodes the answer to numbers itself.
    const { data: answer, response } = await client.embeddings.create({
      model: process.env.RELAY_EMBEDDING_MODEL, input: ['hello', 'node'],
    }).withResponse();
    report({ event: 'result', requestId: relayRequestId(response), object: answer.object,
      vectors: answer.data.map((d) => Array.from(d.embedding)), usage: answer.usage });
  },

  async responses() {
    const { data: answer, response } = await client.responses.create({
      model, instructions: 'Be brief.', input: 'hello responses',
    }).withResponse();
    const again = await client.responses.retrieve(answer.id);
    report({ event: 'result', requestId: relayRequestId(response), id: answer.id, status: answer.status,
      output_text: answer.output_text, usage: answer.usage, retrieved: { id: again.id, output_text: again.output_text } });
  },

  async responsesStream() {
    const { data: stream, response } = await client.responses.create({
      model: streamModel, input: 'stream responses', stream: true,
    }).withResponse();
    const types = [];
    let completed = null;
    for await (const event of stream) {
      if (types[types.length - 1] !== event.type) types.push(event.type);
      if (event.type === 'response.output_text.delta') chunk(event.delta);
      if (event.type === 'response.completed') completed = event.response;
    }
    // output_text is a convenience of the SDK's whole answers; a streamed response has its items only
    const text = completed?.output.flatMap((item) => item.content ?? []).map((part) => part.text ?? '').join('');
    report({ event: 'result', requestId: relayRequestId(response), types, status: completed?.status, output_text: text,
      usage: completed?.usage });
  },

  async chatStreamBreaks() {
    const stream = await client.chat.completions.create({
      model: streamModel, stream: true, messages: [{ role: 'user', content: 'this stream breaks' }],
    });
    try {
      for await (const part of stream) {
        const content = part.choices[0]?.delta?.content;
        if (content) chunk(content);
      }
      report({ event: 'result', unexpected: 'the stream ended without an error' });
    } catch (error) {
      report({ ...errorReport(error), isApiError: error instanceof OpenAI.APIError });
    }
  },

  async modelsList() {
    const ids = [];
    for await (const entry of client.models.list()) ids.push(entry.id);
    report({ event: 'result', ids: ids.slice(0, 5), count: ids.length });
  },

  async modelsRetrieve() {
    const entry = await client.models.retrieve(model);
    report({ event: 'result', id: entry.id, object: entry.object, owned_by: entry.owned_by });
  },

  async unknownModel() {
    try {
      await client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] });
      report({ event: 'result', unexpected: 'no error' });
    } catch (error) {
      report({ ...errorReport(error), isNotFound: error instanceof OpenAI.NotFoundError,
        type: error.type ?? null, code: error.code ?? null, param: error.param ?? null });
    }
  },
});
