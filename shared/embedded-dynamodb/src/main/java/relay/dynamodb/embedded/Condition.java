package relay.dynamodb.embedded;

import java.util.List;

/** A parsed condition, filter or key-condition expression. */
sealed interface Condition {

    enum Comparator {
        EQ("="), NE("<>"), LT("<"), LE("<="), GT(">"), GE(">=");

        final String symbol;

        Comparator(String symbol) {
            this.symbol = symbol;
        }
    }

    record Compare(Operand left, Comparator comparator, Operand right) implements Condition {
    }

    record Between(Operand value, Operand low, Operand high) implements Condition {
    }

    record In(Operand value, List<Operand> candidates) implements Condition {
    }

    record And(Condition left, Condition right) implements Condition {
    }

    record Or(Condition left, Condition right) implements Condition {
    }

    record Not(Condition inner) implements Condition {
    }

    /** attribute_exists, attribute_not_exists, attribute_type, begins_with or contains. */
    record Function(String name, List<Operand> arguments) implements Condition {
    }
}
