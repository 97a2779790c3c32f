package relay.core.error;

/** Every failure Relay reports, with the HTTP status and OpenAI error type/code that clients see. */
public enum ErrorKind {
    INVALID_REQUEST(400, "invalid_request_error", null),
    CONTEXT_WINDOW_EXCEEDED(400, "invalid_request_error", "context_length_exceeded"),
    CONTENT_POLICY(400, "invalid_request_error", "content_policy_violation"),
    /** One of Relay's guardrails refused the request before any provider saw it; the message names the guardrail. */
    GUARDRAIL_BLOCKED(400, "invalid_request_error", "guardrail_blocked"),
    /** A parameter this deployment's provider cannot take; another deployment may. */
    UNSUPPORTED_PARAMS(400, "invalid_request_error", "unsupported_params"),
    /** A virtual key's (or its team's, or end user's) {@code max_budget} would be passed: LiteLLM's shape. */
    BUDGET_EXCEEDED(400, "budget_exceeded", "budget_exceeded"),
    AUTHENTICATION(401, "authentication_error", "invalid_api_key"),
    /** Relay holds no key for the provider a deployment needs: the operator's to fix, not the client's key. */
    PROVIDER_KEY_MISSING(401, "authentication_error", "provider_key_missing"),
    PERMISSION_DENIED(403, "permission_error", null),
    NOT_FOUND(404, "invalid_request_error", "not_found"),
    MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed"),
    REQUEST_TIMEOUT(408, "timeout_error", "timeout"),
    PAYLOAD_TOO_LARGE(413, "invalid_request_error", "request_too_large"),
    UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error", "unsupported_media_type"),
    /** A provider's 409: a conflicting request in flight (OpenAI sends it); worth a retry. */
    CONFLICT(409, "api_error", "conflict"),
    RATE_LIMIT(429, "rate_limit_error", "rate_limit_exceeded"),
    /** The client hung up before its answer was complete (nginx's 499); nobody reads the error, the log keeps it. */
    CLIENT_CLOSED(499, "api_error", "client_closed_request"),
    INTERNAL(500, "api_error", "internal_error"),
    PROVIDER_ERROR(502, "api_error", "provider_error"),
    PROVIDER_UNAVAILABLE(503, "api_error", "provider_unavailable"),
    SERVICE_UNAVAILABLE(503, "api_error", "service_unavailable");

    private final int status;
    private final String type;
    private final String code;

    ErrorKind(int status, String type, String code) {
        this.status = status;
        this.type = type;
        this.code = code;
    }

    public int status() { return status; }

    public String type() { return type; }

    public String code() { return code; }

    /** The kind a provider's HTTP status stands for, when nothing more specific is known. */
    public static ErrorKind fromProviderStatus(int status) {
        return switch (status) {
            case 400, 422 -> INVALID_REQUEST;
            case 401 -> AUTHENTICATION;
            case 403 -> PERMISSION_DENIED;
            case 404 -> NOT_FOUND;
            case 408 -> REQUEST_TIMEOUT;
            case 409 -> CONFLICT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 429 -> RATE_LIMIT;
            case 424, 500, 502 -> PROVIDER_ERROR; // 424: Bedrock's ModelErrorException, the model failed
            case 503, 504, 529 -> PROVIDER_UNAVAILABLE;
            default -> status >= 500 ? PROVIDER_ERROR : INVALID_REQUEST;
        };
    }
}
