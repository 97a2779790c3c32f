package relay.providers.compatible;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.function.Executable;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.core.provider.Deployment;
import relay.core.provider.ProviderCall;
import relay.core.wire.ChatCompletionRequest;
import relay.core.wire.EmbeddingRequest;
import relay.core.wire.RequestParser;

/** Test helpers for golden files: reading test resources, building calls, comparing JSON trees. */
public final class Golden {
    public static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T12:00:00Z"), ZoneOffset.UTC);
    public static final Duration TIMEOUT = Duration.ofSeconds(30); // no loopback answer comes near it, however loaded the machine
    public static final String KEY = "sk-test-upstream-0123456789abcdef";

    private Golden() {}

    public static String text(String resource) {
        try (InputStream in = Golden.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalArgumentException("no test resource " + resource);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode json(String resource) {
        return parse(text(resource));
    }

    public static JsonNode parse(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The non-blank lines of a resource (one event's JSON per line). */
    public static List<String> lines(String resource) {
        return Arrays.stream(text(resource).split("\n")).filter(l -> !l.isBlank()).toList();
    }

    public static List<JsonNode> jsonLines(String resource) {
        return lines(resource).stream().map(Golden::parse).toList();
    }

    /** Compares as JSON trees: what {@code actual} serialises to must equal {@code expected}. */
    public static void assertJson(JsonNode expected, Object actual) {
        JsonNode tree = tree(actual);
        assertEquals(expected, tree, () -> "expected\n" + expected.toPrettyString() + "\nbut was\n" + tree.toPrettyString());
    }

    public static void assertJsonLines(List<JsonNode> expected, List<?> actual) {
        List<JsonNode> trees = new ArrayList<>();
        for (Object a : actual) trees.add(tree(a));
        assertEquals(expected.size(), trees.size(), () -> "chunk count; got\n" + String.join("\n", trees.stream().map(JsonNode::toString).toList()));
        for (int i = 0; i < expected.size(); i++) assertEquals(expected.get(i), trees.get(i), "chunk " + i);
    }

    /** As the JSON text Relay would send, read back, so numbers compare as a parsed file's do (int vs long). */
    public static JsonNode tree(Object value) {
        return parse(value instanceof JsonNode node ? node.toString() : Json.write(value));
    }

    public static ChatCompletionRequest chat(String json) {
        return RequestParser.chat(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8)));
    }

    public static ProviderCall<ChatCompletionRequest> chatCall(String provider, String model, String apiBase, String json) {
        return chatCall(new Deployment("group", provider, model, apiBase, null, TIMEOUT), KEY, json);
    }

    public static ProviderCall<ChatCompletionRequest> chatCall(Deployment deployment, String key, String json) {
        return new ProviderCall<>(deployment, chat(json), key, TIMEOUT);
    }

    public static ProviderCall<EmbeddingRequest> embedCall(Deployment deployment, String json) {
        return new ProviderCall<>(deployment,
                RequestParser.embedding(RequestParser.parseObject(json.getBytes(StandardCharsets.UTF_8))), KEY, TIMEOUT);
    }

    public static Deployment deployment(String provider, String model, String apiBase, Map<String, String> options) {
        return new Deployment("group", provider, model, apiBase, null, TIMEOUT, options);
    }

    /** A provider failure: a RelayException of {@code kind} naming {@code provider}, never holding the key. */
    public static RelayException assertFails(ErrorKind kind, String provider, Executable call) {
        RelayException e = assertThrows(RelayException.class, call);
        assertEquals(kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(provider), "names the provider: " + e.getMessage());
        assertFalse(e.getMessage().contains(KEY), "leaks the key: " + e.getMessage());
        return e;
    }
}
