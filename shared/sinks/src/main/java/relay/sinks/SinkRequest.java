package relay.sinks;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** An HTTP POST to a vendor: where, which headers, what body. Tests read it as it is. */
public record SinkRequest(URI uri, Map<String, String> headers, byte[] body) {
    public SinkRequest {
        headers = Map.copyOf(headers);
    }

    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public static SinkRequest json(URI uri, Map<String, String> headers, String body) {
        return new SinkRequest(uri, headers, body.getBytes(StandardCharsets.UTF_8));
    }
}
