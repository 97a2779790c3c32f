package relay.core.api;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A sink that keeps the whole answer, for transports that cannot stream (API Gateway HTTP APIs, AWS's own runtime client). */
public final class BufferedSink implements ResponseSink {
    private int status;
    private Map<String, String> headers;
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private ApiResponse whole; // an answer sent whole is kept as it came: no second copy of its body

    @Override
    public void head(int status, Map<String, String> headers) {
        this.status = status;
        this.headers = headers;
    }

    @Override
    public void body(byte[] bytes) {
        body.writeBytes(bytes);
    }

    @Override
    public void end() {}

    @Override
    public void send(ApiResponse response) {
        if (headers != null || body.size() > 0) throw new IllegalStateException("the answer was already begun");
        whole = response;
    }

    public ApiResponse response() {
        return whole != null ? whole : new ApiResponse(status, headers, body.toString(StandardCharsets.UTF_8));
    }
}
