package relay.dynamodb.embedded;

import java.util.ArrayList;
import java.util.List;

/** A parsed update expression: its SET, REMOVE, ADD and DELETE clauses. */
record UpdateExpression(List<Action> sets, List<DocumentPath> removes, List<Action> adds, List<Action> deletes) {

    /** {@code path = value} for SET; {@code path :value} for ADD and DELETE. */
    record Action(DocumentPath path, Operand value) {
    }

    static UpdateExpression empty() {
        return new UpdateExpression(List.of(), List.of(), List.of(), List.of());
    }

    /** Every path the expression writes, in clause order. */
    List<DocumentPath> paths() {
        List<DocumentPath> paths = new ArrayList<>();
        sets.forEach(a -> paths.add(a.path()));
        paths.addAll(removes);
        adds.forEach(a -> paths.add(a.path()));
        deletes.forEach(a -> paths.add(a.path()));
        return paths;
    }
}
