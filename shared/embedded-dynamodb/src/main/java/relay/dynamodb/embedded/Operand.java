package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;

/** A value-producing term of a condition or update expression. */
sealed interface Operand {

    /** The attribute at a document path. */
    record Path(DocumentPath path) implements Operand {
    }

    /** An expression attribute value ({@code :v}), already resolved. */
    record Value(String placeholder, JsonNode value) implements Operand {
    }

    /** {@code size(path)} or {@code size(:value)}. */
    record Size(Operand target) implements Operand {
    }

    /** {@code if_not_exists(path, fallback)} (update expressions only). */
    record IfNotExists(DocumentPath path, Operand fallback) implements Operand {
    }

    /** {@code list_append(first, second)} (update expressions only). */
    record ListAppend(Operand first, Operand second) implements Operand {
    }

    /** {@code left + right} or {@code left - right} (update expressions only). */
    record Arithmetic(Operand left, boolean plus, Operand right) implements Operand {
    }
}
