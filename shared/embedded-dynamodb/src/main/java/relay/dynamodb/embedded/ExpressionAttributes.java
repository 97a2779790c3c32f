package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A request's ExpressionAttributeNames and ExpressionAttributeValues. Tracks which placeholders the request's
 * expressions used, because DynamoDB rejects requests that define unused ones.
 */
final class ExpressionAttributes {
    private final Map<String, String> names = new LinkedHashMap<>();
    private final Map<String, JsonNode> values = new LinkedHashMap<>();
    private final Set<String> usedNames = new LinkedHashSet<>();
    private final Set<String> usedValues = new LinkedHashSet<>();
    private boolean anyExpression;

    ExpressionAttributes(JsonNode namesJson, JsonNode valuesJson) {
        if (namesJson != null && !namesJson.isNull()) {
            if (namesJson.isEmpty()) {
                throw ApiException.validation("ExpressionAttributeNames must not be empty");
            }
            namesJson.properties().forEach(e -> names.put(e.getKey(), e.getValue().asText()));
        }
        if (valuesJson != null && !valuesJson.isNull()) {
            if (valuesJson.isEmpty()) {
                throw ApiException.validation("ExpressionAttributeValues must not be empty");
            }
            valuesJson.properties().forEach(e -> {
                AttributeValues.validate(e.getValue());
                values.put(e.getKey(), e.getValue());
            });
        }
    }

    static ExpressionAttributes of(Request request) {
        return new ExpressionAttributes(request.node("ExpressionAttributeNames"),
                request.node("ExpressionAttributeValues"));
    }

    /** Records that the request carries an expression, even one without placeholders. */
    void expressionSeen() {
        anyExpression = true;
    }

    String name(String placeholder, String expressionKind) {
        String name = names.get(placeholder);
        if (name == null) {
            throw ApiException.validation("Invalid " + expressionKind + ": An expression attribute name used in the "
                    + "document path is not defined; attribute name: " + placeholder);
        }
        usedNames.add(placeholder);
        return name;
    }

    JsonNode value(String placeholder, String expressionKind) {
        JsonNode value = values.get(placeholder);
        if (value == null) {
            throw ApiException.validation("Invalid " + expressionKind + ": An expression attribute value used in "
                    + "expression is not defined; attribute value: " + placeholder);
        }
        usedValues.add(placeholder);
        return value;
    }

    /** Call once every expression of the request has been parsed. */
    void checkAllUsed() {
        if (!anyExpression && !names.isEmpty()) {
            throw ApiException.validation("ExpressionAttributeNames can only be specified when using expressions");
        }
        if (!anyExpression && !values.isEmpty()) {
            throw ApiException.validation("ExpressionAttributeValues can only be specified when using expressions");
        }
        Set<String> unusedNames = new LinkedHashSet<>(names.keySet());
        unusedNames.removeAll(usedNames);
        if (!unusedNames.isEmpty()) {
            throw ApiException.validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {"
                    + String.join(", ", unusedNames) + "}");
        }
        Set<String> unusedValues = new LinkedHashSet<>(values.keySet());
        unusedValues.removeAll(usedValues);
        if (!unusedValues.isEmpty()) {
            throw ApiException.validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {"
                    + String.join(", ", unusedValues) + "}");
        }
    }
}
