package relay.core.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
public record ErrorBody(Detail error) {

    public record Detail(
            String message,
            String type,
            @JsonInclude(JsonInclude.Include.ALWAYS) String param,
            @JsonInclude(JsonInclude.Include.ALWAYS) String code) {}

    public static ErrorBody of(String message, String type, String param, String code) {
        return new ErrorBody(new Detail(message, type, param, code));
    }
}
