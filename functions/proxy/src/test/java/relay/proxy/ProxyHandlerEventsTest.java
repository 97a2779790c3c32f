package relay.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.Json;
import relay.core.config.RelayConfig;
import relay.core.keys.EnvironmentKeyStore;
import relay.core.log.RequestLog;

/** The Lambda handler, driven by the same API Gateway events that are in {@code events/}. */
class ProxyHandlerEventsTest {
    static final String MASTER_KEY = "sk-relay-test-master-key";
    static final String PROVIDER_KEY = "sk-provider-secret-123456";

    final List<RequestLog> logs = new CopyOnWriteArrayList<>();
    ProxyHandler handler;

    @BeforeEach
    void wire() {
        RelayConfig config = RelayConfig.parse("""
                model_list:
                  - model_name: mock-gpt
                    litellm_params: {model: mock/mock-gpt}
                  - model_name: gpt-4o
                    litellm_params: {model: openai/gpt-4o, api_key: os.environ/OPENAI_API_KEY, api_base: "http://127.0.0.1:9/v1"}
                general_settings:
                  master_key: os.environ/RELAY_MASTER_KEY
                """);
        var keys = new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY, "OPENAI_API_KEY", PROVIDER_KEY));
        handler = new ProxyHandler(RelayWiring.api(new RelayWiring.Parts(config, keys, logs::add, true,
                Duration.ofDays(30), Clock.systemUTC())));
    }

    static Stream<Arguments> everyEvent() {
        return Stream.of(
                Arguments.of("health.json", 200, null),
                Arguments.of("models.json", 200, null),
                Arguments.of("models-no-v1.json", 200, null),
                Arguments.of("chat-completions.json", 200, null),
                Arguments.of("chat-completions-no-v1.json", 200, null),
                Arguments.of("chat-completions-stream.json", 200, null),
                Arguments.of("chat-completions-base64.json", 200, null),
                Arguments.of("chat-completions-mock-response.json", 200, null),
                Arguments.of("chat-completions-unknown-fields.json", 200, null),
                Arguments.of("completions.json", 200, null),
                Arguments.of("embeddings.json", 200, null),
                Arguments.of("embeddings-base64.json", 200, null),
                Arguments.of("unknown-route.json", 404, null),
                Arguments.of("wrong-method.json", 405, null),
                Arguments.of("missing-auth.json", 401, null),
                Arguments.of("wrong-key.json", 401, null),
                Arguments.of("malformed-auth.json", 401, null),
                Arguments.of("not-json.json", 400, null),
                Arguments.of("empty-body.json", 400, null),
                Arguments.of("wrong-types.json", 400, "messages"),
                Arguments.of("empty-messages.json", 400, "messages"),
                Arguments.of("malformed-message.json", 400, "messages[0].role"),
                Arguments.of("unknown-role.json", 400, "messages[0].role"),
                Arguments.of("unknown-model.json", 404, "model"),
                Arguments.of("missing-model.json", 400, "model"),
                Arguments.of("control-chars-model.json", 400, "model"),
                Arguments.of("deeply-nested.json", 400, null),
                Arguments.of("invalid-utf8.json", 400, null),
                Arguments.of("temperature-out-of-range.json", 400, "temperature"));
    }

    @Test
    void everyEventFileIsCovered() throws IOException {
        try (Stream<java.nio.file.Path> files = Files.list(Events.DIRECTORY)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            List<String> covered = everyEvent().map(a -> (String) a.get()[0]).sorted().toList();
            assertEquals(names, covered);
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("everyEvent")
    void answersEachEventWithTheRightStatus_andAnOpenAiErrorBodyForFailures(String event, int status, String param) throws IOException {
        Events.Answer response = Events.invoke(handler, event);

        assertEquals(status, response.statusCode(), response.body());
        assertNotNull(response.headers().get("x-relay-request-id"));
        assertFalse(response.body().contains(MASTER_KEY), "master key leaked");
        assertFalse(response.body().contains(PROVIDER_KEY), "provider key leaked");
        assertFalse(response.body().contains("Exception"), "exception leaked: " + response.body());
        assertFalse(response.body().contains("\tat "), "stack trace leaked");
        if (status >= 400) {
            JsonNode error = Json.MAPPER.readTree(response.body()).get("error");
            assertNotNull(error, "OpenAI error body");
            assertFalse(error.get("message").asText().isBlank());
            assertTrue(error.get("type").isTextual());
            assertTrue(error.has("param") && error.has("code"));
            if (param != null) assertEquals(param, error.get("param").asText());
        }
    }

    @Test
    void everyRequestButHealthLeavesOneLogRecord_withStatusAndErrorType() {
        Events.invoke(handler, "health.json");
        Events.invoke(handler, "chat-completions.json");
        Events.invoke(handler, "wrong-key.json");
        Events.invoke(handler, "unknown-model.json");

        assertEquals(3, logs.size());
        RequestLog ok = logs.get(0);
        assertEquals("b190c0e1-36ba-5d5b-8595-0e4e9af9b789", ok.requestId());
        assertEquals("POST /v1/chat/completions", ok.route());
        assertEquals("mock/mock-gpt", ok.requestedModel());
        assertEquals("mock/mock-gpt", ok.deployment());
        assertEquals(200, ok.status());
        assertNotNull(ok.promptTokens());
        assertNull(ok.errorType());
        assertEquals(401, logs.get(1).status());
        assertEquals("authentication_error", logs.get(1).errorType());
        assertEquals(404, logs.get(2).status());
        assertEquals("model_not_found", logs.get(2).errorCode());
    }

    @Test
    void chat_answersInOpenAiFormat_withRelayHeaders() throws IOException {
        Events.Answer response = Events.invoke(handler, "chat-completions.json");

        JsonNode body = Json.MAPPER.readTree(response.body());
        assertEquals("chat.completion", body.get("object").asText());
        assertEquals("Mock answer to: Say hello in five words.", body.at("/choices/0/message/content").asText());
        assertEquals("stop", body.at("/choices/0/finish_reason").asText());
        assertTrue(body.at("/usage/total_tokens").asInt() > 0);
        assertEquals("mock/mock-gpt", response.headers().get("x-relay-model"));
        assertEquals("0", response.headers().get("x-relay-fallbacks"));
        assertEquals("application/json", response.headers().get("content-type"));
    }

    @Test
    void stream_isServerSentEventsOfChunks_endingInDone() throws IOException {
        Events.Answer response = Events.invoke(handler, "chat-completions-stream.json");

        assertEquals("text/event-stream", response.headers().get("content-type"));
        String[] events = response.body().split("\n\n");
        assertEquals("data: [DONE]", events[events.length - 1]);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < events.length - 1; i++) {
            assertTrue(events[i].startsWith("data: "), events[i]);
            JsonNode chunk = Json.MAPPER.readTree(events[i].substring(6));
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            text.append(chunk.at("/choices/0/delta/content").asText(""));
        }
        assertTrue(text.toString().startsWith("Mock answer to: "), text.toString());
    }

    @Test
    void completions_answersLegacyTextRequests_withAChatModel() throws IOException {
        JsonNode body = Json.MAPPER.readTree(Events.invoke(handler, "completions.json").body());

        assertEquals("text_completion", body.get("object").asText());
        assertEquals("Mock answer to: Say this is a test", body.at("/choices/0/text").asText());
        assertEquals("stop", body.at("/choices/0/finish_reason").asText());
    }

    @Test
    void mockResponse_answersWithoutCallingTheProvider() throws IOException {
        // gpt-4o points at a closed port: any provider call would fail
        Events.Answer response = Events.invoke(handler, "chat-completions-mock-response.json");

        assertEquals(200, response.statusCode());
        assertEquals("Hello from a mock", Json.MAPPER.readTree(response.body()).at("/choices/0/message/content").asText());
    }

    @Test
    void embeddings_base64_decodesToTheSameVectorsAsFloats() throws IOException {
        JsonNode floats = Json.MAPPER.readTree(Events.invoke(handler, "embeddings.json").body());
        JsonNode base64 = Json.MAPPER.readTree(Events.invoke(handler, "embeddings-base64.json").body());

        assertEquals("list", floats.get("object").asText());
        assertTrue(floats.at("/data/0/embedding").isArray());
        assertEquals(2, base64.get("data").size());
        assertTrue(base64.at("/data/0/embedding").isTextual());
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.at("/data/0/embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(floats.at("/data/0/embedding").size() * 4, bytes.remaining());
    }

    @Test
    void priming_beforeASnapshot_touchesNoKeyNoProviderAndNoLog() {
        relay.core.keys.KeyStore unreachable = name -> { throw new AssertionError("key store read while priming"); };
        var api = RelayWiring.api(new RelayWiring.Parts(RelayConfig.empty(), unreachable, logs::add, true,
                Duration.ofDays(1), Clock.systemUTC()));

        api.prime();

        assertTrue(logs.isEmpty());
    }

    @Test
    void turnOffMessageLogging_keepsBodiesOutOfTheLog() {
        RelayConfig config = RelayConfig.parse("""
                litellm_settings:
                  turn_off_message_logging: true
                """);
        var keys = new EnvironmentKeyStore(Map.of("RELAY_MASTER_KEY", MASTER_KEY));
        var quiet = new ProxyHandler(RelayWiring.api(new RelayWiring.Parts(config, keys, logs::add, true,
                Duration.ofDays(1), Clock.systemUTC())));

        Events.invoke(quiet, "chat-completions.json");
        Events.invoke(handler, "chat-completions.json");

        assertNull(logs.get(0).bodies(), "no message text when logging is off");
        assertTrue(logs.get(1).bodies().request().contains("Say hello in five words."), "bodies by default");
    }

    @Test
    void refusesToServe_whenNoMasterKeyIsConfigured() {
        var open = new ProxyHandler(RelayWiring.api(new RelayWiring.Parts(RelayConfig.empty(),
                new EnvironmentKeyStore(Map.of()), logs::add, true, Duration.ofDays(1), Clock.systemUTC())));

        assertEquals(503, Events.invoke(open, "chat-completions.json").statusCode());
        assertEquals(503, Events.invoke(open, "health.json").statusCode());
    }

    @Test
    void keepsServing_afterEveryKindOfBadRequest() {
        everyEvent().forEach(a -> Events.invoke(handler, (String) a.get()[0]));

        assertEquals(200, Events.invoke(handler, "chat-completions.json").statusCode());
    }
}
