package relay.providers.bedrock;

import java.util.Locale;
import relay.core.error.ErrorKind;
import relay.core.error.RelayException;
import relay.providers.http.ProviderErrors;

/**
 * Bedrock's failures inside a stream: an event-stream message of type {@code exception} names its
 * kind in {@code :exception-type} (the same names as the HTTP {@code x-amzn-ErrorType}, in camel case).
 * HTTP errors before the stream need nothing here: their status and message go through ProviderErrors.
 */
public final class BedrockErrors {
    private BedrockErrors() {}

    /** The HTTP status Bedrock uses for an exception type, so the usual classification applies. */
    static int status(String exceptionType) {
        String type = exceptionType == null ? "" : exceptionType.toLowerCase(Locale.ROOT);
        return switch (type) {
            case "throttlingexception", "modelnotreadyexception", "servicequotaexceededexception" -> 429;
            case "validationexception" -> 400;
            case "accessdeniedexception" -> 403;
            case "resourcenotfoundexception" -> 404;
            case "modeltimeoutexception" -> 408;
            case "serviceunavailableexception" -> 503;
            default -> 500; // internalServerException, modelStreamErrorException, modelErrorException, unknown
        };
    }

    public static ErrorKind kind(String exceptionType, String message) {
        return ProviderErrors.classify(status(exceptionType), new ProviderErrors.Details(message, exceptionType));
    }

    /** An exception event as Relay's error; the message names the provider, the exception and Bedrock's words. */
    public static RelayException streamException(String label, String exceptionType, String message, String apiKey) {
        String type = exceptionType == null ? "an unnamed exception" : exceptionType;
        String words = message == null || message.isBlank() ? "" : ": " + ProviderErrors.message(message, apiKey, true);
        return new RelayException(kind(exceptionType, message), label + " failed mid-stream with " + type + words);
    }
}
