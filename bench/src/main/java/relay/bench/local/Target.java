package relay.bench.local;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where the bench sends its chat completion (the fake upstream itself, Relay, Portkey), with the
 * request's bytes made once: the same body every time, only the headers each one needs.
 */
record Target(String name, String host, int port, byte[] request) {
    /** The chat every target gets: small, non-streaming. */
    static final String CHAT_BODY = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in five words.\"}]}";

    /** A POST of {@link #CHAT_BODY} to {@code path} on loopback, with these headers besides the framing ones. */
    static Target chat(String name, int port, String path, Map<String, String> headers) {
        byte[] body = CHAT_BODY.getBytes(StandardCharsets.UTF_8);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("host", "127.0.0.1:" + port);
        all.put("content-type", "application/json");
        all.put("content-length", Integer.toString(body.length));
        all.putAll(headers);
        StringBuilder head = new StringBuilder("POST ").append(path).append(" HTTP/1.1\r\n");
        all.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
        head.append("\r\n");
        byte[] headBytes = head.toString().getBytes(StandardCharsets.US_ASCII);
        byte[] request = new byte[headBytes.length + body.length];
        System.arraycopy(headBytes, 0, request, 0, headBytes.length);
        System.arraycopy(body, 0, request, headBytes.length, body.length);
        return new Target(name, "127.0.0.1", port, request);
    }
}
