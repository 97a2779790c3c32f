package relay.providers.cohere;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import relay.core.Json;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

/** Golden files from the test resources, compared as JSON trees (numbers by value: 42 equals 42L and 42.0). */
final class Golden {
    private static final Comparator<JsonNode> NUMBERS_BY_VALUE = (a, b) -> a.equals(b) ? 0
            : a.isNumber() && b.isNumber() && a.decimalValue().compareTo(b.decimalValue()) == 0 ? 0 : 1;

    private Golden() {}

    static String text(String resource) {
        try (InputStream in = Golden.class.getResourceAsStream("/" + resource)) {
            if (in == null) throw new IllegalArgumentException("no test resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String resource) {
        try {
            return Json.MAPPER.readTree(text(resource));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A chat request read from a resource, validated as the gateway does. */
    static ChatCompletionRequest request(String resource) {
        return parse(text(resource));
    }

    /** A chat request from JSON text, validated as the gateway does. */
    static ChatCompletionRequest parse(String json) {
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    static JsonNode tree(Object value) {
        return value instanceof JsonNode node ? node : Json.MAPPER.valueToTree(value);
    }

    static void assertJson(JsonNode expected, Object actual) {
        JsonNode actualTree = tree(actual);
        assertTrue(expected.equals(NUMBERS_BY_VALUE, actualTree),
                () -> "expected:\n" + expected.toPrettyString() + "\nactual:\n" + actualTree.toPrettyString());
    }
}
