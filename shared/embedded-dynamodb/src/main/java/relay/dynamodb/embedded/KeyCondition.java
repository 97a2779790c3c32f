package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Query's KeyConditionExpression, checked against the key schema: an equality on the partition key and at most
 * one condition on the sort key.
 */
record KeyCondition(JsonNode hashValue, Condition sortKeyCondition) {
    private static final String KIND = "KeyConditionExpression";

    static KeyCondition of(Condition condition, KeySchema keys, Map<String, String> attributeTypes) {
        List<Condition> parts = new ArrayList<>();
        flatten(condition, parts);
        JsonNode hashValue = null;
        Condition sortKeyCondition = null;
        for (Condition part : parts) {
            String attribute = keyAttribute(part);
            if (!keys.contains(attribute)) {
                boolean hashConstrained = parts.stream().anyMatch(p -> keys.hash().equals(keyAttribute(p)));
                throw ApiException.validation("Query condition missed key schema element: "
                        + (hashConstrained && keys.range() != null ? keys.range() : keys.hash()));
            }
            checkValueTypes(part, attributeTypes.get(attribute));
            if (attribute.equals(keys.hash())) {
                if (hashValue != null) {
                    throw ApiException.validation("KeyConditionExpressions must only contain one condition per key");
                }
                if (!(part instanceof Condition.Compare compare) || compare.comparator() != Condition.Comparator.EQ) {
                    throw ApiException.validation("Query key condition not supported");
                }
                hashValue = ((Operand.Value) (compare.left() instanceof Operand.Value ? compare.left()
                        : compare.right())).value();
            } else {
                if (sortKeyCondition != null) {
                    throw ApiException.validation("KeyConditionExpressions must only contain one condition per key");
                }
                sortKeyCondition = part;
            }
        }
        if (hashValue == null) {
            throw ApiException.validation("Query condition missed key schema element: " + keys.hash());
        }
        return new KeyCondition(hashValue, sortKeyCondition);
    }

    private static void flatten(Condition condition, List<Condition> parts) {
        switch (condition) {
            case Condition.And and -> {
                flatten(and.left(), parts);
                flatten(and.right(), parts);
            }
            case Condition.Or or -> throw invalidOperator("OR");
            case Condition.Not not -> throw invalidOperator("NOT");
            case Condition.In in -> throw invalidOperator("IN");
            case Condition.Compare compare when compare.comparator() == Condition.Comparator.NE ->
                    throw invalidOperator("<>");
            case Condition.Function function when !function.name().equals("begins_with") ->
                    throw invalidOperator(function.name());
            default -> parts.add(condition);
        }
    }

    /** The key attribute a simple condition constrains; its other operands must be values. */
    private static String keyAttribute(Condition part) {
        List<Operand> operands = switch (part) {
            case Condition.Compare compare -> List.of(compare.left(), compare.right());
            case Condition.Between between -> List.of(between.value(), between.low(), between.high());
            case Condition.Function function -> function.arguments();
            default -> throw new IllegalStateException("unexpected key condition " + part);
        };
        String attribute = null;
        for (Operand operand : operands) {
            if (operand instanceof Operand.Path path) {
                if (attribute != null) {
                    throw ApiException.validation("Invalid " + KIND + ": Each key condition may refer to only one "
                            + "key attribute and compare it with values");
                }
                if (!path.path().isTopLevel()) {
                    throw ApiException.validation(
                            "KeyConditionExpressions cannot have conditions on nested attributes");
                }
                attribute = path.path().head();
            } else if (!(operand instanceof Operand.Value)) {
                throw ApiException.validation("Invalid " + KIND + ": The function is not allowed to be used this way "
                        + "in an expression; function: size");
            }
        }
        if (attribute == null) {
            throw ApiException.validation("Invalid " + KIND + ": The expression compares values only; it must refer "
                    + "to a key attribute");
        }
        return attribute;
    }

    private static void checkValueTypes(Condition part, String keyType) {
        List<Operand> operands = switch (part) {
            case Condition.Compare compare -> List.of(compare.left(), compare.right());
            case Condition.Between between -> List.of(between.low(), between.high());
            case Condition.Function function -> function.arguments();
            default -> List.of();
        };
        for (Operand operand : operands) {
            if (operand instanceof Operand.Value value && !keyType.equals(AttributeValues.type(value.value()))) {
                throw ApiException.validation(
                        "One or more parameter values were invalid: Condition parameter type does not match schema type");
            }
        }
        if (part instanceof Condition.Function && keyType.equals("N")) {
            throw ApiException.validation("Invalid " + KIND + ": Incorrect operand type for operator or function; "
                    + "operator or function: begins_with, operand type: N");
        }
    }

    private static ApiException invalidOperator(String operator) {
        return ApiException.validation("Invalid operator used in KeyConditionExpression: " + operator);
    }
}
