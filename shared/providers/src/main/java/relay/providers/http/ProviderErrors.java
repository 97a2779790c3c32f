package relay.providers.http;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import relay.core.Json;
import relay.core.error.ErrorKind;
import relay.core.error.Redaction;
import relay.core.error.RelayException;

/**
 * Turns a provider's failure into Relay's error: the kind from the status, refined by the provider's
 * words (so context-window and content-policy failures are recognisable for fallbacks), its
 * {@code retry-after} kept, its message prefixed with the provider and scrubbed of keys.
 */
public final class ProviderErrors {
    /** Phrases providers use when the prompt does not fit (OpenAI, Azure, Anthropic, Gemini, Bedrock, Cohere, Mistral …). */
    private static final List<String> CONTEXT_WINDOW_PHRASES = List.of(
            "context_length_exceeded", "maximum context length", "context length", "context window",
            "prompt is too long", "too many tokens", "input is too long", "exceeds the maximum number of tokens",
            "input token count", "reduce the length of the messages", "string too long", "too long for the model",
            "exceed context limit", "too many input tokens",
            "maximum prompt length", // xAI: "This model's maximum prompt length is 131072 but the request contains …"
            "`max_new_tokens` must be", "length limit exceeded"); // Hugging Face TGI: "`inputs` tokens + `max_new_tokens` must be <= 4096"

    private static final List<String> CONTENT_POLICY_PHRASES = List.of(
            "content_policy_violation", "content_filter", "content management policy", "content policy",
            "safety system", "responsible ai", "blocked by our safety", "prohibited_content", "output blocked",
            "content filtering policy",
            "requires moderation", "input was flagged"); // OpenRouter 403: "…requires moderation and your input was flagged"

    private ProviderErrors() {}

    /** A provider's own words about a failure: its message and code, where its body has them. */
    public record Details(String message, String code) {}

    /** The most of a provider's own message a client sees: a plain-text body (an HTML error page) says little more. */
    public static final int MAX_TEXT_MESSAGE_CHARS = 300;
    /** The most of a provider's JSON error message a client sees (and each attempt in the log keeps). */
    public static final int MAX_JSON_MESSAGE_CHARS = 1000;

    /** Reads the message and code from the error shapes providers use; the message is whole, neither scrubbed nor cut. */
    public static Details details(byte[] body) {
        return details(parse(body), body);
    }

    private static Details details(JsonNode root, byte[] body) {
        if (body == null || body.length == 0) return new Details(null, null);
        if (root == null) return new Details(new String(body, java.nio.charset.StandardCharsets.UTF_8).strip(), null);
        if (root.isArray() && !root.isEmpty()) root = root.get(0); // Gemini's streaming errors come as an array
        JsonNode error = root.path("error");
        String message = firstText(error.path("message"), error, root.path("message"), root.path("Message"), root.path("detail"));
        String code = firstText(error.path("code"), error.path("type"), error.path("status"), root.path("code"),
                root.path("__type"), root.path("type"));
        return new Details(message, code);
    }

    /** The body as JSON; null when it is empty or not JSON. */
    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) return null;
        try {
            return Json.MAPPER.readTree(body);
        } catch (IOException notJson) {
            return null;
        }
    }

    private static String firstText(JsonNode... candidates) {
        for (JsonNode n : candidates) {
            if (n != null && (n.isTextual() || n.isNumber()) && !n.asText().isBlank()) return n.asText();
        }
        return null;
    }

    public static RelayException from(String providerLabel, int status, byte[] body, HttpHeaders headers, String apiKey) {
        JsonNode root = parse(body);
        Details details = details(root, body);
        ErrorKind kind = classify(status, details);
        Map<String, String> passOn = new HashMap<>();
        if (headers != null) {
            headers.firstValue("retry-after").ifPresent(v -> passOn.put("retry-after", v));
            headers.firstValue("retry-after-ms").ifPresent(v -> passOn.put("retry-after-ms", v));
        }
        if (!passOn.containsKey("retry-after") && root != null) {
            String seconds = retryInfoSeconds(root);
            if (seconds != null) passOn.put("retry-after", seconds);
        }
        String detail = details.message() == null || details.message().isBlank()
                ? "HTTP " + status : message(details.message(), apiKey, root != null);
        return new RelayException(kind, providerLabel + " returned " + status + ": " + detail, null, passOn, null);
    }

    /** A provider's message as a client may see it: scrubbed of keys first, then cut, so no part of a key survives. */
    public static String message(String providerText, String apiKey, boolean fromJson) {
        return Redaction.scrubAndCut(providerText, apiKey, fromJson ? MAX_JSON_MESSAGE_CHARS : MAX_TEXT_MESSAGE_CHARS);
    }

    /**
     * The wait Google asks for in its error body ({@code google.rpc.RetryInfo} {@code retryDelay}, e.g.
     * {@code "34.4s"}), as whole seconds rounded up; null when there is none.
     */
    public static String retryInfoSeconds(JsonNode errorBody) {
        JsonNode root = errorBody != null && errorBody.isArray() ? errorBody.path(0) : errorBody;
        if (root == null) return null;
        for (JsonNode detail : root.path("error").path("details")) {
            String type = detail.path("@type").asText("");
            String delay = detail.path("retryDelay").asText("");
            if (type.endsWith("google.rpc.RetryInfo") && delay.matches("\\d+(\\.\\d+)?s")) {
                java.math.BigDecimal seconds = new java.math.BigDecimal(delay.substring(0, delay.length() - 1));
                return seconds.setScale(0, java.math.RoundingMode.CEILING).max(java.math.BigDecimal.ONE).toPlainString();
            }
        }
        return null;
    }

    public static ErrorKind classify(int status, Details details) {
        String words = ((details.code() == null ? "" : details.code()) + " "
                + (details.message() == null ? "" : details.message())).toLowerCase(Locale.ROOT);
        if (status == 400 || status == 413 || status == 422) {
            if (CONTEXT_WINDOW_PHRASES.stream().anyMatch(words::contains)) return ErrorKind.CONTEXT_WINDOW_EXCEEDED;
        }
        if (status == 400 || status == 403 || status == 422) {
            if (CONTENT_POLICY_PHRASES.stream().anyMatch(words::contains)) return ErrorKind.CONTENT_POLICY;
        }
        return ErrorKind.fromProviderStatus(status);
    }
}
