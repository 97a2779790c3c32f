package relay.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;

/** A request a fake server received, as its tests read it: header names lower case, the body as text or JSON. */
public interface ReceivedRequest {
    ObjectMapper JSON = new ObjectMapper();

    Map<String, String> headers();

    String body();

    default JsonNode json() {
        try {
            return JSON.readTree(body());
        } catch (IOException e) {
            throw new IllegalStateException("not JSON: " + body(), e);
        }
    }

    default String header(String name) {
        return headers().get(name.toLowerCase(Locale.ROOT));
    }
}
