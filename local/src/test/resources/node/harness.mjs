// What every scenario script shares: where Relay is, and the one way a script reports to the Java test.
// Each report is one JSON object on its own line of standard output, written before the script reads on,
// so the test sees a streamed chunk while the stream is still open.

export const baseUrl = requireEnv('RELAY_BASE_URL'); // the server's root, e.g. http://127.0.0.1:4000
export const apiKey = requireEnv('RELAY_API_KEY');
export const model = process.env.RELAY_MODEL ?? 'mock-gpt';
export const streamModel = process.env.RELAY_STREAM_MODEL ?? 'gated';
/** A model whose upstream the test scripts (tool calls) and reads back. */
export const upstreamModel = process.env.RELAY_UPSTREAM_MODEL ?? 'fake-gpt';

function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

/** Writes one report line (to a pipe, synchronously on Linux and Windows; elsewhere as soon as the script waits). */
export function report(fields) {
  process.stdout.write(JSON.stringify(fields) + '\n');
}

/** The id Relay gave the request (its request log record's key), from the answer's headers. */
export function relayRequestId(response) {
  return response?.headers?.get?.('x-relay-request-id') ?? response?.headers?.['x-relay-request-id'] ?? null;
}

/** One streamed piece as the client handed it to its caller. */
export function chunk(text) {
  report({ event: 'chunk', text });
}

/**
 * The error a client threw (or handed to a callback), as a caller would inspect it. Some clients hand over the
 * server's error object itself, not an Error: then that object is the body.
 */
export function errorReport(error) {
  const plain = error !== null && typeof error === 'object' && !(error instanceof Error);
  return {
    event: 'error',
    class: plain ? 'Object' : error?.constructor?.name,
    name: error?.name ?? null,
    status: error?.status ?? error?.statusCode ?? null,
    message: error?.message ?? null,
    body: plain ? error : (error?.error ?? safeJson(error?.responseBody) ?? null),
  };
}

function safeJson(text) {
  if (typeof text !== 'string') return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Runs the scenario named by the first argument; anything it throws unexpectedly is reported and exits 1. */
export async function run(scenarios) {
  const name = process.argv[2];
  const scenario = scenarios[name];
  if (!scenario) {
    report({ event: 'failed', message: `no scenario ${name}; known: ${Object.keys(scenarios).join(', ')}` });
    process.exitCode = 2;
    return;
  }
  try {
    await scenario();
    report({ event: 'done' });
  } catch (error) {
    report({ ...errorReport(error), event: 'failed', stack: String(error?.stack ?? error) });
    process.exitCode = 1;
  }
}
