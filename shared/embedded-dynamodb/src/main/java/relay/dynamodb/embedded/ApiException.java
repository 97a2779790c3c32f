package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error answered to the client as HTTP 400 (or 500) with DynamoDB's JSON error body. The {@code type} is the
 * fully qualified {@code __type} value; SDKs match on the part after {@code #}.
 */
final class ApiException extends RuntimeException {
    private static final String DYNAMODB = "com.amazonaws.dynamodb.v20120810#";

    private final String type;
    private final int status;
    private final ObjectNode extraMembers;

    private ApiException(String type, String message, int status, ObjectNode extraMembers) {
        super(message, null, false, false);
        this.type = type;
        this.status = status;
        this.extraMembers = extraMembers;
    }

    static ApiException validation(String message) {
        return new ApiException("com.amazon.coral.validate#ValidationException", message, 400, null);
    }

    static ApiException resourceNotFound(String message) {
        return new ApiException(DYNAMODB + "ResourceNotFoundException", message, 400, null);
    }

    static ApiException tableNotFound(String table) {
        return resourceNotFound("Requested resource not found: Table: " + table + " not found");
    }

    static ApiException resourceInUse(String message) {
        return new ApiException(DYNAMODB + "ResourceInUseException", message, 400, null);
    }

    /** {@code oldItem} is echoed only when the request asked for ReturnValuesOnConditionCheckFailure=ALL_OLD. */
    static ApiException conditionalCheckFailed(ObjectNode oldItem) {
        return new ApiException(DYNAMODB + "ConditionalCheckFailedException", "The conditional request failed", 400,
                oldItem == null ? null : Json.object().set("Item", oldItem));
    }

    /** {@code reasons} has one entry per action, {@code {"Code":"None"}} for those that would have succeeded. */
    static ApiException transactionCanceled(ArrayNode reasons) {
        StringBuilder codes = new StringBuilder();
        reasons.forEach(r -> codes.append(codes.isEmpty() ? "" : ", ").append(r.get("Code").asText()));
        return new ApiException(DYNAMODB + "TransactionCanceledException", "Transaction cancelled, please refer "
                + "cancellation reasons for specific reasons [" + codes + "]", 400,
                Json.object().set("CancellationReasons", reasons));
    }

    static ApiException unknownOperation(String target) {
        return new ApiException("com.amazon.coral.service#UnknownOperationException",
                "Unknown operation: " + target, 400, null);
    }

    static ApiException serialization(String message) {
        return new ApiException("com.amazon.coral.service#SerializationException", message, 400, null);
    }

    static ApiException trimmedDataAccess(String message) {
        return new ApiException(DYNAMODB + "TrimmedDataAccessException", message, 400, null);
    }

    static ApiException internal(String message) {
        return new ApiException(DYNAMODB + "InternalServerError", message, 500, null);
    }

    String type() {
        return type;
    }

    int status() {
        return status;
    }

    boolean isConditionalCheckFailure() {
        return type.endsWith("#ConditionalCheckFailedException");
    }

    boolean isValidation() {
        return type.endsWith("#ValidationException");
    }

    /** The item echoed by a conditional check failure, if any. */
    ObjectNode item() {
        return extraMembers == null ? null : (ObjectNode) extraMembers.get("Item");
    }

    ObjectNode toJson() {
        ObjectNode body = Json.object();
        body.put("__type", type);
        body.put("message", getMessage());
        if (extraMembers != null) {
            body.setAll(extraMembers);
        }
        return body;
    }
}
