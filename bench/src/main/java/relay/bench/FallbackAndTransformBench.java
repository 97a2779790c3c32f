package relay.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import relay.core.Json;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.messages.ChatToMessages;
import relay.core.messages.MessagesToChat;
import relay.core.responses.ChatToResponses;
import relay.core.responses.ResponsesToChat;
import relay.core.wire.ChatCompletionResponse;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;
import relay.local.LocalServer;
import relay.providers.anthropic.AnswerShape;
import relay.providers.anthropic.AnthropicRequests;
import relay.providers.anthropic.AnthropicResponses;
import relay.testing.FakeOpenAi;

/**
 * Two figures: (1) the time to a fallback answer when the primary fails fast (500) and when it
 * times out, against the fallback model's direct time, all through the local server in one run;
 * (2) the per-request transform time of the Anthropic adapter (the largest), against parsing and
 * writing the same request as OpenAI JSON (what a pass-through provider costs), and, in the same run,
 * of the agent APIs' translations through chat: an Anthropic Messages request to chat and the chat
 * answer back to a message, and a Responses request to chat and the answer back to a response.
 * Run: java -cp bench/target/relay-bench.jar relay.bench.FallbackAndTransformBench
 */
public final class FallbackAndTransformBench {
    public static void main(String[] args) throws Exception {
        relay.dynamodb.embedded.EmbeddedDynamoDb.sendSegmentsAtOnce(); // before the first loopback server starts
        transforms();
        fallbacks();
        System.exit(0);
    }

    static void fallbacks() throws Exception {
        try (FakeOpenAi primary = FakeOpenAi.start(); FakeOpenAi slow = FakeOpenAi.start(); FakeOpenAi fallback = FakeOpenAi.start()) {
            RelayConfig config = RelayConfig.parse("""
                    model_list:
                      - model_name: gpt-4
                        litellm_params: {model: openai/gpt-4, api_base: "%s", api_key: sk-a}
                      - model_name: gpt-4-slow
                        litellm_params: {model: openai/gpt-4-slow, api_base: "%s", api_key: sk-a, timeout: 0.5}
                      - model_name: llama2
                        litellm_params: {model: openai/llama2, api_base: "%s", api_key: sk-b}
                    router_settings:
                      num_retries: 0
                      allowed_fails: 1000000
                      fallbacks: [{"gpt-4": ["llama2"]}, {"gpt-4-slow": ["llama2"]}]
                    """.formatted(primary.baseUrl(), slow.baseUrl(), fallback.baseUrl()));
            try (LocalServer server = LocalServer.start(new LocalServer.Options(null, 0, null, "127.0.0.1"), config,
                    new EnvironmentKeyStore(Map.of()))) {
                HttpClient http = HttpClient.newHttpClient();
                int n = 2000;
                long[] direct = new long[n];
                long[] failFast = new long[n];
                for (int i = -500; i < n; i++) { // interleaved, after 500 warm-up rounds
                    long d = time(http, server, "llama2");
                    primary.enqueue(new FakeOpenAi.Reply.Status(500, FakeOpenAi.errorBody("boom", "server_error", null), Map.of()));
                    long f = time(http, server, "gpt-4");
                    if (i >= 0) { direct[i] = d; failFast[i] = f; }
                    if (i % 100 == 0) { primary.reset(); fallback.reset(); }
                }
                int m = 10;
                long[] timedOut = new long[m];
                long[] direct2 = new long[m];
                for (int i = 0; i < m; i++) {
                    slow.enqueue(new FakeOpenAi.Reply.Slow(Duration.ofSeconds(3)));
                    timedOut[i] = time(http, server, "gpt-4-slow");
                    direct2[i] = time(http, server, "llama2");
                }
                System.out.println("Fallback (through the local server, microseconds; p50 / p99):");
                System.out.printf("  fallback model direct:            %8.0f / %8.0f%n", RelayBench.percentileOf(direct, 50), RelayBench.percentileOf(direct, 99));
                System.out.printf("  primary 500 -> fallback answer:   %8.0f / %8.0f   ratio p50 %.2fx%n", RelayBench.percentileOf(failFast, 50), RelayBench.percentileOf(failFast, 99),
                        RelayBench.percentileOf(failFast, 50) / RelayBench.percentileOf(direct, 50));
                System.out.printf("  primary times out (0.5 s) -> fallback, %d runs: p50 %.0f us vs direct %.0f us (timeout + %.0f us)%n",
                        m, RelayBench.percentileOf(timedOut, 50), RelayBench.percentileOf(direct2, 50), RelayBench.percentileOf(timedOut, 50) - 500_000);
            }
        }
    }

    static long time(HttpClient http, LocalServer server, String model) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        long t0 = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(server.url() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        long us = (System.nanoTime() - t0) / 1000;
        if (r.statusCode() != 200) throw new IllegalStateException(model + ": " + r.statusCode() + " " + r.body());
        return us;
    }


    static void transforms() throws Exception {
        StringBuilder messages = new StringBuilder("{\"role\":\"system\",\"content\":\"You are a careful assistant.\"}");
        for (int i = 0; i < 20; i++) {
            messages.append(",{\"role\":\"user\",\"content\":\"Question ").append(i).append(": what is the weather in city ").append(i).append("?\"}");
            messages.append(",{\"role\":\"assistant\",\"content\":\"Answer ").append(i).append(": sunny, 21 degrees, light wind from the west.\"}");
        }
        messages.append(",{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And this picture?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}");
        String request = "{\"model\":\"claude\",\"temperature\":0.3,\"max_tokens\":512,\"stop\":[\"END\"],\"messages\":[" + messages
                + "],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"description\":\"Weather for a city\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}}]}";
        byte[] bytes = request.getBytes();
        JsonNode answer = Json.MAPPER.readTree("{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude\","
                + "\"content\":[{\"type\":\"text\",\"text\":\"It is sunny.\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"weather\","
                + "\"input\":{\"city\":\"Paris\"}}],\"stop_reason\":\"tool_use\",\"usage\":{\"input_tokens\":410,\"output_tokens\":25}}");
        int warm = 50_000, runs = 200_000;
        long sink = 0;
        for (int i = 0; i < warm; i++) sink += passThrough(bytes) + anthropic(bytes, answer);
        long t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) sink += passThrough(bytes);
        long base = System.nanoTime() - t0;
        t0 = System.nanoTime();
        for (int i = 0; i < runs; i++) sink += anthropic(bytes, answer);
        long adapted = System.nanoTime() - t0;
        System.out.printf("Transform, %d-byte chat request with 42 messages and a tool (per request, %d runs, sink %d):%n", bytes.length, runs, sink % 7);
        System.out.printf("  parse + OpenAI pass-through body + write: %.1f us%n", base / 1000.0 / runs);
        System.out.printf("  parse + Anthropic request + write + Anthropic answer -> OpenAI + write: %.1f us (%.2fx)%n",
                adapted / 1000.0 / runs, (double) adapted / base);
        agentApis(warm, runs);
    }

    /**
     * The same conversation (system, 40 turns, an image, a tool) as an Anthropic Messages and a Responses
     * request, translated to chat as /v1/messages and /v1/responses do for a provider reached through chat
     * (parsed, checked, written as the OpenAI body), and a chat answer (text and a tool call) translated back
     * and written; against the chat request's pass-through plus writing the chat answer.
     */
    static void agentApis(int warm, int runs) throws Exception {
        StringBuilder turns = new StringBuilder();
        StringBuilder items = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            String q = "Question " + i + ": what is the weather in city " + i + "?";
            String a = "Answer " + i + ": sunny, 21 degrees, light wind from the west.";
            turns.append("{\"role\":\"user\",\"content\":\"").append(q).append("\"},{\"role\":\"assistant\",\"content\":\"").append(a).append("\"},");
            items.append("{\"role\":\"user\",\"content\":\"").append(q).append("\"},{\"role\":\"assistant\",\"content\":\"").append(a).append("\"},");
        }
        String schema = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}";
        byte[] messagesRequest = ("{\"model\":\"claude\",\"system\":\"You are a careful assistant.\",\"temperature\":0.3,\"max_tokens\":512,"
                + "\"stop_sequences\":[\"END\"],\"messages\":[" + turns + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And this picture?\"},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"https://example.com/a.png\"}}]}],"
                + "\"tools\":[{\"name\":\"weather\",\"description\":\"Weather for a city\",\"input_schema\":" + schema + "}]}").getBytes();
        byte[] responsesRequest = ("{\"model\":\"gpt\",\"instructions\":\"You are a careful assistant.\",\"temperature\":0.3,\"max_output_tokens\":512,"
                + "\"input\":[" + items + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"And this picture?\"},"
                + "{\"type\":\"input_image\",\"image_url\":\"https://example.com/a.png\"}]}],"
                + "\"tools\":[{\"type\":\"function\",\"name\":\"weather\",\"description\":\"Weather for a city\",\"parameters\":" + schema + "}]}").getBytes();
        byte[] chatRequest = ("{\"model\":\"gpt\",\"temperature\":0.3,\"max_tokens\":512,\"stop\":[\"END\"],\"messages\":["
                + "{\"role\":\"system\",\"content\":\"You are a careful assistant.\"}," + turns
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"And this picture?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"weather\",\"description\":\"Weather for a city\",\"parameters\":" + schema + "}}]}").getBytes();
        ChatCompletionResponse answer = Json.MAPPER.readValue("{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o\","
                + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"It is sunny.\",\"tool_calls\":[{\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"weather\",\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},\"finish_reason\":\"tool_calls\"}],"
                + "\"usage\":{\"prompt_tokens\":410,\"completion_tokens\":25,\"total_tokens\":435}}", ChatCompletionResponse.class);
        // what OpenAI sends back for the Responses request: parsed, its usage read, and written on as it came
        byte[] nativeAnswer = Json.writeBytes(ChatToResponses.response("resp_1", 1L, RequestParser.parseObject(responsesRequest), answer));
        long sink = 0;
        for (int i = 0; i < warm; i++) {
            sink += chatRoundTrip(chatRequest, answer) + messagesRoundTrip(messagesRequest, answer) + responsesRoundTrip(responsesRequest, answer)
                    + responsesNativeRoundTrip(responsesRequest, nativeAnswer);
        }
        long[] nanos = new long[4];
        for (int round = 0; round < 4; round++) { // interleaved quarters, so drift touches all three alike
            long t0 = System.nanoTime();
            for (int i = 0; i < runs / 4; i++) sink += chatRoundTrip(chatRequest, answer);
            long t1 = System.nanoTime();
            for (int i = 0; i < runs / 4; i++) sink += messagesRoundTrip(messagesRequest, answer);
            long t2 = System.nanoTime();
            for (int i = 0; i < runs / 4; i++) sink += responsesRoundTrip(responsesRequest, answer);
            long t3 = System.nanoTime();
            for (int i = 0; i < runs / 4; i++) sink += responsesNativeRoundTrip(responsesRequest, nativeAnswer);
            long t4 = System.nanoTime();
            nanos[0] += t1 - t0;
            nanos[1] += t2 - t1;
            nanos[2] += t3 - t2;
            nanos[3] += t4 - t3;
        }
        int n = runs / 4 * 4;
        System.out.printf("Agent APIs through chat, the same conversation (per request, %d runs, sink %d):%n", n, sink % 7);
        System.out.printf("  chat (%d B): parse + pass-through body + write; chat answer written:           %.1f us%n",
                chatRequest.length, nanos[0] / 1000.0 / n);
        System.out.printf("  Messages (%d B) -> chat -> body + write; chat answer -> Messages + write:    %.1f us (%.2fx)%n",
                messagesRequest.length, nanos[1] / 1000.0 / n, (double) nanos[1] / nanos[0]);
        System.out.printf("  Responses (%d B) -> chat -> body + write; chat answer -> Responses + write:   %.1f us (%.2fx)%n",
                responsesRequest.length, nanos[2] / 1000.0 / n, (double) nanos[2] / nanos[0]);
        System.out.printf("  Responses natively (OpenAI, Azure): chat for routing + native body + write; answer parsed, usage, written: %.1f us (%.2fx)%n",
                nanos[3] / 1000.0 / n, (double) nanos[3] / nanos[0]);
    }

    static int chatRoundTrip(byte[] request, ChatCompletionResponse answer) {
        return passThrough(request) + Json.writeBytes(answer).length;
    }

    static int messagesRoundTrip(byte[] request, ChatCompletionResponse answer) {
        var translation = MessagesToChat.translate(RequestParser.parseObject(request), false);
        ChatCompletionRequest chat = RequestParser.chat(translation.chat());
        return Json.writeBytes(chat.providerBody("gpt-4o")).length + Json.writeBytes(ChatToMessages.message(answer)).length;
    }

    static int responsesRoundTrip(byte[] request, ChatCompletionResponse answer) {
        ObjectNode body = RequestParser.parseObject(request);
        ChatCompletionRequest chat = RequestParser.chat(ResponsesToChat.translate(body, null).chat());
        return Json.writeBytes(chat.providerBody("gpt-4o")).length
                + Json.writeBytes(ChatToResponses.response("resp_1", 1L, body, answer)).length;
    }

    /** /v1/responses to OpenAI itself: the chat translation still routes it; the body goes as sent, the answer back as it came. */
    static int responsesNativeRoundTrip(byte[] request, byte[] providerAnswer) {
        ObjectNode body = RequestParser.parseObject(request);
        ChatCompletionRequest chat = RequestParser.chat(ResponsesToChat.translate(body, null).chat());
        ObjectNode direct = relay.core.wire.RelayFields.nativeBody(body).put("model", "gpt-4o");
        JsonNode response;
        try {
            response = Json.MAPPER.readTree(providerAnswer);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return chat.messages().size() + Json.writeBytes(direct).length + ChatToResponses.usageOf(response.path("usage")).totalTokens()
                + Json.writeBytes(response).length;
    }

    static int passThrough(byte[] bytes) {
        ChatCompletionRequest r = RequestParser.chat(RequestParser.parseObject(bytes));
        return Json.writeBytes(r.providerBody("gpt-4o")).length;
    }

    static int anthropic(byte[] bytes, JsonNode answer) {
        ChatCompletionRequest r = RequestParser.chat(RequestParser.parseObject(bytes));
        int n = Json.writeBytes(AnthropicRequests.toAnthropic(r, "claude-sonnet-4-5", false)).length;
        return n + Json.writeBytes(AnthropicResponses.toOpenAi(answer, 1700000000L, AnswerShape.of(r))).length;
    }
}
