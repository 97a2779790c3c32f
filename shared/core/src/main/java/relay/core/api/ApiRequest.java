package relay.core.api;

import java.util.Map;

/**
 * An HTTP request as Relay sees it, whatever carried it (API Gateway or the local server).
 *
 * @param headers header names in lower case
 * @param body    the raw bytes, already base64-decoded
 */
public record ApiRequest(String requestId, String method, String path, Map<String, String> headers, byte[] body) {
    public String header(String lowerCaseName) {
        return headers.get(lowerCaseName);
    }
}
