package relay.core.api;

import java.time.Instant;
import java.util.Map;

/**
 * An HTTP request as Relay sees it, whatever carried it (API Gateway or the local server).
 *
 * @param headers  header names in lower case
 * @param query    the query string's parameters (first value of each)
 * @param body     the raw bytes, already base64-decoded
 * @param deadline when the answer must be out (the Lambda's remaining time, API Gateway's 30 s); null for the default
 */
public record ApiRequest(String requestId, String method, String path, Map<String, String> headers,
                         Map<String, String> query, byte[] body, Instant deadline) {

    public ApiRequest {
        query = query == null ? Map.of() : query;
    }

    public ApiRequest(String requestId, String method, String path, Map<String, String> headers, byte[] body) {
        this(requestId, method, path, headers, Map.of(), body, null);
    }

    public ApiRequest(String requestId, String method, String path, Map<String, String> headers, byte[] body, Instant deadline) {
        this(requestId, method, path, headers, Map.of(), body, deadline);
    }

    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
