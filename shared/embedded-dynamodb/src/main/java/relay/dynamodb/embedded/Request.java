package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/** Typed, validating access to a request's JSON members. */
record Request(ObjectNode json) {

    JsonNode node(String member) {
        JsonNode node = json.get(member);
        return node == null || node.isNull() ? null : node;
    }

    String string(String member) {
        JsonNode node = node(member);
        if (node != null && !node.isTextual()) {
            throw ApiException.serialization("Member " + member + " must be a string");
        }
        return node == null ? null : node.textValue();
    }

    String requiredString(String member) {
        String value = string(member);
        if (value == null) {
            throw missing(member);
        }
        return value;
    }

    String string(String member, String defaultValue) {
        String value = string(member);
        return value == null ? defaultValue : value;
    }

    /** A string member restricted to an enumeration, with DynamoDB's constraint message. */
    String oneOf(String member, String defaultValue, List<String> allowed) {
        String value = string(member, defaultValue);
        if (value != null && !allowed.contains(value)) {
            throw ApiException.validation("1 validation error detected: Value '" + value + "' at '" + camel(member)
                    + "' failed to satisfy constraint: Member must satisfy enum value set: " + allowed);
        }
        return value;
    }

    boolean bool(String member, boolean defaultValue) {
        JsonNode node = node(member);
        return node == null ? defaultValue : node.asBoolean();
    }

    Integer integer(String member, int min, int max) {
        JsonNode node = node(member);
        if (node == null) {
            return null;
        }
        if (!node.canConvertToInt()) {
            throw ApiException.serialization("Member " + member + " must be an integer");
        }
        int value = node.asInt();
        if (value < min || value > max) {
            throw ApiException.validation("1 validation error detected: Value '" + value + "' at '" + camel(member)
                    + "' failed to satisfy constraint: Member must have value "
                    + (value < min ? "greater than or equal to " + min : "less than or equal to " + max));
        }
        return value;
    }

    int integer(String member, int min, int max, int defaultValue) {
        Integer value = integer(member, min, max);
        return value == null ? defaultValue : value;
    }

    ObjectNode object(String member) {
        JsonNode node = node(member);
        if (node != null && !node.isObject()) {
            throw ApiException.serialization("Member " + member + " must be a structure");
        }
        return (ObjectNode) node;
    }

    ObjectNode requiredObject(String member) {
        ObjectNode value = object(member);
        if (value == null) {
            throw missing(member);
        }
        return value;
    }

    Request nested(String member) {
        ObjectNode value = object(member);
        return value == null ? null : new Request(value);
    }

    /** Legacy (pre-expression) parameters are not implemented; failing loudly beats silently ignoring them. */
    void rejectLegacy(String... members) {
        for (String member : members) {
            if (node(member) != null) {
                throw ApiException.validation("The legacy parameter " + member + " is not supported by this "
                        + "embedded DynamoDB; use the expression parameters instead");
            }
        }
    }

    static ApiException missing(String member) {
        return ApiException.validation("1 validation error detected: Value null at '" + camel(member)
                + "' failed to satisfy constraint: Member must not be null");
    }

    private static String camel(String member) {
        return Character.toLowerCase(member.charAt(0)) + member.substring(1);
    }
}
