package relay.providers.bedrock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.providers.http.ProviderErrors;

/** Bedrock's error bodies (HTTP) and exception events (mid-stream) -> Relay's ErrorKind, from golden tables. */
class BedrockErrorsTest {
    static final String LABEL = "bedrock (anthropic.claude-3-5-sonnet-20240620-v1:0)";

    static Stream<JsonNode> httpErrors() {
        return StreamSupport.stream(Golden.json("errors.json").spliterator(), false);
    }

    static Stream<JsonNode> streamExceptions() {
        return StreamSupport.stream(Golden.json("stream-exceptions.json").spliterator(), false);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("httpErrors")
    void httpErrorBody_mapsToTheGoldenKind(JsonNode error) {
        byte[] body = ("{\"message\":" + relay.core.Json.write(error.path("message").asText()) + "}").getBytes(StandardCharsets.UTF_8);
        HttpHeaders headers = HttpHeaders.of(Map.of("x-amzn-ErrorType", List.of(error.path("errorType").asText())), (a, b) -> true);

        RelayException e = ProviderErrors.from(LABEL, error.path("status").asInt(), body, headers, null);

        assertEquals(ErrorKind.valueOf(error.path("kind").asText()), e.kind(), e.getMessage());
        assertTrue(e.getMessage().startsWith(LABEL), e.getMessage());
        assertTrue(e.getMessage().contains(error.path("message").asText()), e.getMessage());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("streamExceptions")
    void streamExceptionEvent_mapsToTheGoldenKind(JsonNode exception) {
        RelayException e = BedrockErrors.streamException(LABEL, exception.path("exceptionType").asText(),
                exception.path("message").asText(), null);

        assertEquals(ErrorKind.valueOf(exception.path("kind").asText()), e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(LABEL) && e.getMessage().contains(exception.path("exceptionType").asText()), e.getMessage());
    }

    @Test
    void streamExceptionMessages_areScrubbedOfTheKey() {
        String key = "ABSKQmVkcm9ja0FQSUtleS1leGFtcGxlMTIz";
        RelayException e = BedrockErrors.streamException(LABEL, "validationException", "bad key " + key, key);

        assertFalse(e.getMessage().contains(key), e.getMessage());
    }
}
