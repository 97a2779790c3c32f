package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import relay.core.Json;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.RequestParser;

/** Reads the golden files under {@code test/resources/bedrock/} and compares JSON as trees. */
final class Golden {
    private Golden() {}

    static String text(String path) {
        try (InputStream in = Golden.class.getResourceAsStream("/bedrock/" + path)) {
            if (in == null) throw new IllegalArgumentException("no test resource bedrock/" + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(String path) {
        return parse(text(path));
    }

    static List<String> lines(String path) {
        return text(path).lines().filter(l -> !l.isBlank()).toList();
    }

    static ChatCompletionRequest chatRequest(String path) {
        return RequestParser.chat(RequestParser.parseObject(text(path).getBytes(StandardCharsets.UTF_8)));
    }

    /** Compares as trees after a round trip through text, so 1 and 1L or field order do not matter. */
    static void assertJson(JsonNode expected, Object actual) {
        JsonNode normalized = parse(Json.write(actual));
        assertEquals(expected, normalized, () -> "expected:\n" + pretty(expected) + "\nbut was:\n" + pretty(normalized));
    }

    private static JsonNode parse(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String pretty(JsonNode node) {
        try {
            return Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
