package relay.providers.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.NativeMessages;
import relay.core.provider.ProviderCall;
import relay.providers.Providers;
import relay.testing.FakeAnthropic;
import relay.testing.FakeAnthropic.Reply;

/** {@code /v1/messages} requests sent to Anthropic as they are, against a real loopback server. */
class AnthropicPassthroughTest {
    static final String KEY = "sk-ant-test-upstream-0123456789abcdef";
    static final String BODY = """
            {"model":"my-claude","max_tokens":300,
             "system":[{"type":"text","text":"Long context","cache_control":{"type":"ephemeral"}}],
             "messages":[{"role":"user","content":"hi"},
               {"role":"assistant","content":[{"type":"thinking","thinking":"hmm","signature":"sig-1"},{"type":"text","text":"yes"}]},
               {"role":"user","content":[{"type":"text","text":"go on","cache_control":{"type":"ephemeral","ttl":"1h"}}]}],
             "thinking":{"type":"enabled","budget_tokens":1024},"top_k":3,"context_management":{"edits":[]}}""";

    static FakeAnthropic upstream;
    static HttpClient http;
    NativeMessages anthropic;

    @BeforeAll
    static void start() {
        upstream = FakeAnthropic.start();
        http = Providers.httpClient();
    }

    @AfterAll
    static void stop() {
        http.shutdownNow();
        upstream.close();
    }

    @BeforeEach
    void reset() {
        upstream.reset();
        anthropic = new AnthropicProvider(http, Clock.systemUTC()).nativeMessages(null);
    }

    static ProviderCall<NativeMessages.Request> call(String body, Map<String, String> headers) {
        Deployment deployment = new Deployment("my-claude", "anthropic", "claude-sonnet-4-5", upstream.baseUrl(), null, Duration.ofSeconds(10));
        return new ProviderCall<>(deployment, new NativeMessages.Request((ObjectNode) json(body), headers), KEY, Duration.ofSeconds(10));
    }

    static JsonNode json(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theBodyGoesAsSent_withTheDeploymentsModel_keyAndTheClientsAnthropicHeaders() {
        String answer = "{\"id\":\"msg_1\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\"claude-sonnet-4-5\","
                + "\"content\":[{\"type\":\"thinking\",\"thinking\":\"x\",\"signature\":\"sig-9\"},{\"type\":\"text\",\"text\":\"ok\"}],"
                + "\"stop_reason\":\"end_turn\",\"usage\":{\"input_tokens\":3,\"cache_read_input_tokens\":1000,\"output_tokens\":2}}";
        upstream.enqueue(new Reply.Message(answer));

        JsonNode message = anthropic.create(call(BODY, Map.of("anthropic-beta", "context-management-2025-06-27", "anthropic-version", "2023-06-01")));

        assertEquals(json(answer), message, "the answer untouched");
        var received = upstream.lastRequest();
        assertEquals("/v1/messages", received.path());
        ObjectNode expected = (ObjectNode) json(BODY);
        expected.put("model", "claude-sonnet-4-5");
        assertEquals(expected, json(received.body()), "cache_control, thinking signatures and unknown fields survive");
        assertEquals(KEY, received.headers().get("x-api-key"));
        assertEquals("context-management-2025-06-27", received.headers().get("anthropic-beta"));
        assertEquals("2023-06-01", received.headers().get("anthropic-version"));
        assertFalse(received.headers().containsKey("authorization"));
    }

    @Test
    void aStream_handsOnEveryEventInOrder_unknownOnesToo() {
        List<String> script = List.of(
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_s\",\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"usage\":{\"input_tokens\":4,\"output_tokens\":1}}}",
                "{\"type\":\"ping\"}",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"a\"}}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"signature_delta\",\"signature\":\"sig\"}}",
                "{\"type\":\"content_block_stop\",\"index\":0}",
                "{\"type\":\"brand_new_event\",\"what\":1}",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\"},\"usage\":{\"output_tokens\":6}}",
                "{\"type\":\"message_stop\"}");
        upstream.enqueue(new Reply.Events(script));
        List<JsonNode> events = new ArrayList<>();

        anthropic.stream(call(BODY, Map.of()), events::add);

        assertEquals(script.stream().map(AnthropicPassthroughTest::json).toList(), events);
        assertTrue(json(upstream.lastRequest().body()).path("stream").asBoolean());
        assertEquals("text/event-stream", upstream.lastRequest().headers().get("accept"));
    }

    @Test
    void anErrorEventMidStream_isThrownAsTheFailureItReports() {
        upstream.enqueue(new Reply.Events(List.of(
                "{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"content\":[],\"usage\":{}}}",
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}")));
        List<JsonNode> events = new ArrayList<>();

        RelayException e = assertThrows(RelayException.class, () -> anthropic.stream(call(BODY, Map.of()), events::add));

        assertEquals(ErrorKind.PROVIDER_UNAVAILABLE, e.kind());
        assertEquals(1, events.size());
    }

    @Test
    void aStreamThatEndsEarly_isAProviderError() {
        upstream.enqueue(new Reply.Events(List.of("{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"content\":[],\"usage\":{}}}")));

        RelayException e = assertThrows(RelayException.class, () -> anthropic.stream(call(BODY, Map.of()), event -> { }));

        assertEquals(ErrorKind.PROVIDER_ERROR, e.kind());
        assertTrue(e.getMessage().contains("message_stop"));
    }

    @Test
    void anHttpError_isMappedWithoutTheKey() {
        upstream.enqueue(new Reply.Status(429, FakeAnthropic.errorBody("rate_limit_error", "Slow down " + KEY), Map.of("retry-after", "3")));

        RelayException e = assertThrows(RelayException.class, () -> anthropic.create(call(BODY, Map.of())));

        assertEquals(ErrorKind.RATE_LIMIT, e.kind());
        assertFalse(e.getMessage().contains(KEY));
        assertNotNull(e.headers().get("retry-after"));
    }
}
