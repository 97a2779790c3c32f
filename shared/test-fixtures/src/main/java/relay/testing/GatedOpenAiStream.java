package relay.testing;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A real HTTP server that answers OpenAI streaming chat completions with the given pieces of text,
 * one Server-Sent Event each, and sends piece N+1 only once {@link Gate#awaitDelivered} says piece N
 * has reached wherever the test looks (the client, the Lambda Runtime API). A gateway that buffers the
 * stream never delivers piece N, so the server never sends piece N+1 and the test fails on the gate's
 * bound; a gateway that streams passes however slow the machine is.
 */
public final class GatedOpenAiStream extends FakeProviderServer<Void> {
    /** Blocks until {@code piece} has arrived where the test expects it; throws when it never does. */
    @FunctionalInterface
    public interface Gate {
        void awaitDelivered(String piece) throws Exception;
    }

    private final List<String> pieces;
    private final Gate gate;

    private GatedOpenAiStream(List<String> pieces, Gate gate) {
        super("/v1");
        this.pieces = List.copyOf(pieces);
        this.gate = gate;
    }

    public static GatedOpenAiStream start(List<String> pieces, Gate gate) {
        return new GatedOpenAiStream(pieces, gate);
    }

    @Override
    protected void respond(HttpExchange exchange, Recorded received) throws IOException {
        if (!received.path().endsWith("/chat/completions")) {
            send(exchange, 404, "application/json", FakeOpenAi.errorBody("Unknown path " + received.path(), "invalid_request_error", null));
            return;
        }
        String model = JSON.readTree(received.body()).path("model").asText();
        exchange.getResponseHeaders().set("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0); // chunked: each event leaves when it is flushed
        try (OutputStream out = exchange.getResponseBody()) {
            for (int i = 0; i < pieces.size(); i++) {
                if (i > 0) {
                    try {
                        gate.awaitDelivered(pieces.get(i - 1));
                    } catch (Exception | AssertionError e) {
                        throw new IOException("piece " + (i - 1) + " was never delivered", e);
                    }
                }
                String delta = JSON.createObjectNode().put("content", pieces.get(i)).toString();
                write(out, chunk(model, delta, null));
            }
            write(out, chunk(model, "{}", "stop"));
            out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }

    private static void write(OutputStream out, String json) throws IOException {
        out.write(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static String chunk(String model, String delta, String finishReason) {
        return "{\"id\":\"chatcmpl-gated\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"" + model
                + "\",\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"logprobs\":null,\"finish_reason\":"
                + (finishReason == null ? "null" : "\"" + finishReason + "\"") + "}]}";
    }
}
