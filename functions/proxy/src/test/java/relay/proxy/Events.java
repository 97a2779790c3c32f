package relay.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import relay.core.Json;

/** Reads the API Gateway REST API (payload 1.0) events under the repository's {@code events/} folder. */
final class Events {
    static final Path DIRECTORY = Path.of("../../events");

    /** A buffered proxy-integration answer, as the handler wrote it. */
    record Answer(int statusCode, Map<String, String> headers, String body) {}

    private Events() {}

    static byte[] load(String name) {
        try {
            return Files.readAllBytes(DIRECTORY.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Invokes the handler as AWS's runtime client does (event JSON in, answer JSON out), without a Lambda context. */
    static Answer invoke(ProxyHandler handler, String name) {
        return invoke(handler, load(name));
    }

    static Answer invoke(ProxyHandler handler, byte[] event) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            handler.handleRequest(new ByteArrayInputStream(event), out, null);
            JsonNode answer = Json.MAPPER.readTree(out.toByteArray());
            Map<String, String> headers = new HashMap<>();
            answer.path("headers").properties().forEach(h -> headers.put(h.getKey(), h.getValue().asText()));
            if (answer.path("isBase64Encoded").asBoolean(true)) throw new AssertionError("Relay answers text, not base64");
            return new Answer(answer.path("statusCode").asInt(), headers, answer.path("body").asText());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
