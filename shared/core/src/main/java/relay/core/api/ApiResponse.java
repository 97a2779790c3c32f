package relay.core.api;

import java.util.Map;

/** An HTTP response: status, headers, and a UTF-8 text body (JSON or Server-Sent Events). */
public record ApiResponse(int status, Map<String, String> headers, String body) {}
