package relay.proxy;

import com.amazonaws.services.lambda.runtime.events.APIGatewayV2HTTPEvent;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** Reads the API Gateway HTTP API events under the repository's {@code events/} folder. */
final class Events {
    static final Path DIRECTORY = Path.of("../../events");
    private static final ObjectMapper LAMBDA_JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private Events() {}

    static APIGatewayV2HTTPEvent load(String name) {
        try {
            return LAMBDA_JSON.readValue(DIRECTORY.resolve(name).toFile(), APIGatewayV2HTTPEvent.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
