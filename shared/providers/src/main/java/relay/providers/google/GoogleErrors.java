package relay.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.providers.http.ProviderErrors;

/**
 * What Google's error body ({@code {"error":{"code","message","status","details"}}}) says beyond what
 * {@link ProviderErrors} reads from every provider: the wait in {@code RetryInfo}, and the Gemini API's
 * invalid key, which it reports as a 400 although it is an authentication failure.
 */
public final class GoogleErrors {
    /** How the Gemini API words a bad key in its 400s. */
    private static final List<String> INVALID_KEY_PHRASES = List.of("api key not valid", "api_key_invalid", "api key expired");

    private GoogleErrors() {}

    /** The seconds {@code google.rpc.RetryInfo.retryDelay} asks to wait (e.g. "34.4s" -> "35"), or null. */
    public static String retryAfterSeconds(JsonNode errorBody) {
        return ProviderErrors.retryInfoSeconds(errorBody);
    }

    /** Corrects the kind where Google's status misleads: an invalid Gemini API key is a 400 INVALID_ARGUMENT there. */
    public static RelayException refine(RelayException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase(Locale.ROOT);
        if (e.kind() == ErrorKind.INVALID_REQUEST && INVALID_KEY_PHRASES.stream().anyMatch(message::contains)) {
            return new RelayException(ErrorKind.AUTHENTICATION, e.getMessage(), e.param(), e.headers(), e.getCause());
        }
        return e;
    }

    /** An error Gemini sends inside a stream (after its 200), as the failure it stands for. */
    public static RelayException inStream(String label, JsonNode event, String apiKey) {
        int code = event.path("error").path("code").asInt(500);
        byte[] body = event.toString().getBytes(StandardCharsets.UTF_8);
        RelayException e = refine(ProviderErrors.from(label, code >= 400 && code < 600 ? code : 500, body, null, apiKey));
        String retryAfter = retryAfterSeconds(event);
        if (retryAfter == null || e.headers().containsKey("retry-after")) return e;
        Map<String, String> headers = new HashMap<>(e.headers());
        headers.put("retry-after", retryAfter);
        return new RelayException(e.kind(), e.getMessage(), e.param(), headers, e.getCause());
    }
}
