package relay.providers.anthropic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.wire.ChatCompletionChunk;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;
import relay.providers.http.ProviderErrors;

/**
 * The pure translations against golden JSON pairs in {@code src/test/resources/anthropic/}: each
 * file is one case, named for what it shows. Recorded Anthropic answers are in {@code fixtures/}.
 */
class AnthropicGoldenTest {
    static final long CREATED = 1_700_000_000L;
    static final String KEY = "sk-ant-golden-0123456789";

    static Stream<String> requests() { return cases("requests"); }

    static Stream<String> responses() { return cases("responses"); }

    static Stream<String> streams() { return cases("streams"); }

    static Stream<String> errors() { return cases("errors"); }

    @ParameterizedTest(name = "{0}")
    @MethodSource("requests")
    void openAiRequest_becomesTheAnthropicRequest(String name) {
        JsonNode golden = read("requests/" + name);

        ObjectNode sent = AnthropicRequests.toAnthropic(request(golden.get("openai")), "claude-sonnet-4-5", false);

        assertEquals(golden.get("anthropic"), sent, () -> "got " + sent.toPrettyString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void anthropicMessage_becomesTheOpenAiResponse(String name) {
        JsonNode golden = read("responses/" + name);
        JsonNode message = golden.has("fixture") ? read("fixtures/" + golden.get("fixture").asText()) : golden.get("anthropic");

        JsonNode answer = tree(AnthropicResponses.toOpenAi(message, CREATED, shape(golden)));

        assertEquals(golden.get("openai"), answer, () -> "got " + answer.toPrettyString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streams")
    void anthropicEvents_becomeTheOpenAiChunks(String name) {
        JsonNode golden = read("streams/" + name);
        List<JsonNode> events = golden.has("fixture") ? lines("fixtures/" + golden.get("fixture").asText())
                : toList(golden.get("events"));
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        AnthropicStream stream = new AnthropicStream(CREATED, shape(golden), chunks::add, "anthropic (claude)", KEY);

        Runnable play = () -> {
            for (int i = 0; i < events.size(); i++) {
                boolean more = stream.accept(events.get(i));
                assertEquals(i < events.size() - 1, more, "only message_stop ends the stream");
            }
        };
        if (golden.has("error")) {
            RelayException e = assertThrows(RelayException.class, play::run);
            assertEquals(ErrorKind.valueOf(golden.get("error").asText()), e.kind());
            assertTrue(e.getMessage().startsWith("anthropic (claude)"), e.getMessage());
        } else {
            play.run();
        }

        JsonNode got = tree(chunks);
        assertEquals(golden.get("openai"), got, () -> "got " + got.toPrettyString());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("errors")
    void anthropicErrorBody_becomesTheErrorKind(String name) {
        JsonNode golden = read("errors/" + name);
        byte[] body = golden.get("body").toString().getBytes(StandardCharsets.UTF_8);

        RelayException e = ProviderErrors.from("anthropic (claude)", golden.get("status").asInt(), body, null, KEY);

        assertEquals(ErrorKind.valueOf(golden.get("kind").asText()), e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(golden.get("body").path("error").path("message").asText()), e.getMessage());
    }

    // ---- helpers ----

    /** As a client would parse it: through JSON text, so numbers compare by value, not by Java type. */
    static JsonNode tree(Object value) {
        try {
            return Json.MAPPER.readTree(Json.write(value));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static AnswerShape shape(JsonNode golden) {
        return golden.has("request") ? AnswerShape.of(request(golden.get("request"))) : AnswerShape.PLAIN;
    }

    static ChatCompletionRequest request(JsonNode openAi) {
        return RequestParser.chat((ObjectNode) openAi.deepCopy());
    }

    static Stream<String> cases(String dir) {
        try {
            URL url = AnthropicGoldenTest.class.getResource("/anthropic/" + dir);
            assertNotNull(url, dir);
            try (Stream<Path> files = Files.list(Path.of(url.toURI()))) {
                List<String> names = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
                assertTrue(!names.isEmpty(), "no cases in " + dir);
                return names.stream();
            }
        } catch (IOException | URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static JsonNode read(String path) {
        try (InputStream in = AnthropicGoldenTest.class.getResourceAsStream("/anthropic/" + path)) {
            assertNotNull(in, path);
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A recorded stream: one event JSON per line. */
    static List<JsonNode> lines(String path) {
        try (InputStream in = AnthropicGoldenTest.class.getResourceAsStream("/anthropic/" + path)) {
            assertNotNull(in, path);
            List<JsonNode> events = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) events.add(Json.MAPPER.readTree(line));
            }
            return events;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static List<JsonNode> toList(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        ((ArrayNode) array).forEach(list::add);
        return list;
    }
}
