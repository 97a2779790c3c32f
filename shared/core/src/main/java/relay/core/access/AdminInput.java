package relay.core.access;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import relay.core.Json;
import relay.core.error.RelayException;
import relay.core.wire.RequestParser;

/**
 * The admin API's fields, each checked for type and range; a bad one is a 400 naming it. A field
 * that is absent is left as it was; one that is {@code null} is cleared.
 */
final class AdminInput {
    static final BigDecimal MAX_USD = new BigDecimal("1000000000");
    static final int MAX_COUNT = 1_000_000_000;
    static final int MAX_TEXT = 256;
    static final int MAX_MODELS = 1_000;
    static final int MAX_METADATA_CHARS = 16 * 1024;

    private final ObjectNode body;

    private AdminInput(ObjectNode body) {
        this.body = body;
    }

    /** A JSON object body; an empty body is an empty object (LiteLLM's {@code /key/generate} takes one). */
    static AdminInput of(byte[] body) {
        return new AdminInput(body == null || body.length == 0 ? Json.MAPPER.createObjectNode() : RequestParser.parseObject(body));
    }

    static AdminInput of(ObjectNode body) {
        return new AdminInput(body);
    }

    boolean has(String field) {
        return body.has(field);
    }

    private JsonNode value(String field) {
        JsonNode v = body.get(field);
        return v == null || v.isNull() ? null : v;
    }

    List<String> models(String field) {
        JsonNode v = value(field);
        if (v == null) return List.of();
        if (!v.isArray() || v.size() > MAX_MODELS) {
            throw RelayException.invalid(field, "'" + field + "' must be an array of model names (at most " + MAX_MODELS + "); [] or [\"*\"] for all.");
        }
        List<String> models = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isTextual() || item.asText().isBlank() || item.asText().length() > MAX_TEXT || hasControl(item.asText())) {
                throw RelayException.invalid(field + "[" + i + "]", "'" + field + "[" + i + "]' must be a model name of 1 to " + MAX_TEXT + " characters.");
            }
            models.add(item.asText());
        }
        return models;
    }

    BigDecimal usd(String field) {
        JsonNode v = value(field);
        if (v == null) return null;
        if (!v.isNumber() || v.decimalValue().signum() < 0 || v.decimalValue().compareTo(MAX_USD) > 0) {
            throw RelayException.invalid(field, "'" + field + "' must be a number of USD from 0 to " + MAX_USD.toPlainString() + ", or null for no limit.");
        }
        return v.decimalValue().stripTrailingZeros();
    }

    Integer count(String field) {
        JsonNode v = value(field);
        if (v == null) return null;
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < 0 || v.asLong() > MAX_COUNT) {
            throw RelayException.invalid(field, "'" + field + "' must be a whole number from 0 to " + MAX_COUNT + ", or null for no limit.");
        }
        return v.asInt();
    }

    /** A LiteLLM duration string ({@code 30s}, {@code 1h}, {@code 30d}), validated; null when null. */
    String duration(String field) {
        JsonNode v = value(field);
        if (v == null) return null;
        if (!v.isTextual() || BudgetDurations.parse(v.asText()) == null) {
            throw RelayException.invalid(field, "'" + field + "' must be a duration such as \"30s\", \"10m\", \"1h\", \"30d\" or \"1mo\" (above 0, at most 3650 days).");
        }
        return v.asText().strip();
    }

    Instant instant(String field) {
        JsonNode v = value(field);
        if (v == null) return null;
        try {
            if (v.isTextual()) return Instant.parse(v.asText());
        } catch (DateTimeParseException e) {
            // reported below
        }
        throw RelayException.invalid(field, "'" + field + "' must be an instant such as \"2026-01-31T12:00:00Z\", or null.");
    }

    /** A name or id: 1 to 256 characters, no control characters. */
    String text(String field) {
        JsonNode v = value(field);
        if (v == null) return null;
        if (!v.isTextual() || v.asText().isBlank() || v.asText().length() > MAX_TEXT || hasControl(v.asText())) {
            throw RelayException.invalid(field, "'" + field + "' must be a string of 1 to " + MAX_TEXT + " characters.");
        }
        return v.asText();
    }

    ObjectNode metadata(String field) {
        JsonNode v = value(field);
        if (v == null) return null;
        if (!v.isObject() || Json.write(v).length() > MAX_METADATA_CHARS) {
            throw RelayException.invalid(field, "'" + field + "' must be a JSON object of at most " + MAX_METADATA_CHARS + " characters.");
        }
        return (ObjectNode) v;
    }

    boolean flag(String field) {
        JsonNode v = value(field);
        if (v == null) return false;
        if (!v.isBoolean()) throw RelayException.invalid(field, "'" + field + "' must be true or false.");
        return v.asBoolean();
    }

    /** A list of names or keys ({@code keys}, {@code team_ids}); absent or null is empty. */
    List<String> texts(String field, int max) {
        JsonNode v = value(field);
        if (v == null) return List.of();
        if (!v.isArray() || v.size() > max) throw RelayException.invalid(field, "'" + field + "' must be an array of at most " + max + " strings.");
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < v.size(); i++) {
            JsonNode item = v.get(i);
            if (!item.isTextual() || item.asText().isBlank() || item.asText().length() > MAX_TEXT || hasControl(item.asText())) {
                throw RelayException.invalid(field + "[" + i + "]", "'" + field + "[" + i + "]' must be a string of 1 to " + MAX_TEXT + " characters.");
            }
            texts.add(item.asText());
        }
        return texts;
    }

    /** {@code duration} (from now) or {@code expires}, whichever is given; throws for both or for a time already past. */
    Instant expiry(Instant now) {
        if (has("duration") && has("expires") && value("duration") != null && value("expires") != null) {
            throw RelayException.invalid("duration", "Give 'duration' or 'expires', not both.");
        }
        if (value("expires") != null) {
            Instant expires = instant("expires");
            if (!expires.isAfter(now)) throw RelayException.invalid("expires", "'expires' must be in the future.");
            return expires;
        }
        String duration = duration("duration");
        if (duration == null) return null;
        Duration d = BudgetDurations.parse(duration);
        return now.plus(d);
    }

    boolean changesExpiry() {
        return has("duration") || has("expires");
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isISOControl(s.charAt(i))) return true;
        }
        return false;
    }
}
