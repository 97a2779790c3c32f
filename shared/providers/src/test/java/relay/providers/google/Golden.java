package relay.providers.google;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import relay.core.Json;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

/** Reads the golden files under {@code google/} and compares JSON trees. */
final class Golden {
    private Golden() {}

    static String text(String resource) {
        try (InputStream in = Golden.class.getResourceAsStream("/google/" + resource)) {
            if (in == null) throw new IllegalStateException("no test resource google/" + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String resource) {
        return parse(text(resource));
    }

    /** A recorded stream: one event JSON per line. */
    static List<JsonNode> events(String resource) {
        List<JsonNode> events = new ArrayList<>();
        for (String line : text(resource).split("\n")) if (!line.isBlank()) events.add(parse(line));
        return events;
    }

    static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Any value as the JSON tree it serializes to (so 5 as int and as long compare equal). */
    static JsonNode tree(Object value) {
        return parse(Json.write(value));
    }

    static ChatCompletionRequest chatRequest(JsonNode body) {
        return RequestParser.chat(RequestParser.parseObject(Json.writeBytes(body)));
    }

    /** Deterministic tool call ids: call_0, call_1, … */
    static Supplier<String> counter() {
        int[] next = {0};
        return () -> "call_" + next[0]++;
    }

    static void assertJson(JsonNode expected, Object actual, String name) {
        JsonNode actualTree = actual instanceof JsonNode node ? parse(node.toString()) : tree(actual);
        assertEquals(expected, actualTree, () -> name + "\nexpected: " + pretty(expected) + "\nactual:   " + pretty(actualTree));
    }

    private static String pretty(JsonNode node) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            return node.toString();
        }
    }
}
