package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Predicate;

/** Query and Scan, over a table or one of its secondary indexes. */
final class ReadOperations {
    private static final List<String> SELECT =
            List.of("ALL_ATTRIBUTES", "ALL_PROJECTED_ATTRIBUTES", "SPECIFIC_ATTRIBUTES", "COUNT");

    private final Database database;

    ReadOperations(Database database) {
        this.database = database;
    }

    ObjectNode query(Request request) {
        request.rejectLegacy("KeyConditions", "QueryFilter", "AttributesToGet", "ConditionalOperator");
        Table table = database.table(TableOperations.tableName(request));
        TableSchema schema = table.schema();
        IndexSchema index = index(schema, request.string("IndexName"));
        KeySchema keys = index == null ? schema.keys() : index.keys();

        ExpressionAttributes attributes = ExpressionAttributes.of(request);
        String keyConditionText = request.string("KeyConditionExpression");
        if (keyConditionText == null) {
            throw ApiException.validation(
                    "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.");
        }
        KeyCondition keyCondition = KeyCondition.of(
                ExpressionParser.condition("KeyConditionExpression", keyConditionText, attributes), keys,
                schema.attributeTypes());
        Condition filter = ItemOperations.optionalCondition(request, "FilterExpression", attributes);
        if (filter != null) {
            rejectKeyAttributes(filter, keys);
        }
        List<DocumentPath> projection =
                ItemOperations.optionalProjection(request.string("ProjectionExpression"), attributes);
        attributes.checkAllUsed();

        Condition sortKeyCondition = keyCondition.sortKeyCondition();
        ObjectNode exclusiveStartKey = exclusiveStartKey(request);
        if (exclusiveStartKey != null && sortKeyCondition != null && exclusiveStartKey.has(keys.range())
                && !ConditionEvaluator.test(sortKeyCondition, exclusiveStartKey)) {
            throw ApiException.validation("The provided starting key does not match the range key predicate");
        }
        Table.ReadSpec spec = new Table.ReadSpec(index, KeyValue.of(keyCondition.hashValue()),
                sortKeyCondition == null ? null : item -> ConditionEvaluator.test(sortKeyCondition, item),
                predicate(filter), request.bool("ScanIndexForward", true), exclusiveStartKey, limit(request), 0, 1);
        return page(request, table, index, spec, projection);
    }

    ObjectNode scan(Request request) {
        request.rejectLegacy("ScanFilter", "AttributesToGet", "ConditionalOperator");
        Table table = database.table(TableOperations.tableName(request));
        IndexSchema index = index(table.schema(), request.string("IndexName"));
        ExpressionAttributes attributes = ExpressionAttributes.of(request);
        Condition filter = ItemOperations.optionalCondition(request, "FilterExpression", attributes);
        List<DocumentPath> projection =
                ItemOperations.optionalProjection(request.string("ProjectionExpression"), attributes);
        attributes.checkAllUsed();

        Integer totalSegments = request.integer("TotalSegments", 1, 1_000_000);
        Integer segment = request.integer("Segment", 0, 999_999);
        if ((segment == null) != (totalSegments == null)) {
            throw ApiException.validation(segment == null
                    ? "The Segment parameter is required but was not present in the request when parameter "
                            + "TotalSegments is present"
                    : "The TotalSegments parameter is required but was not present in the request when Segment "
                            + "parameter is present");
        }
        if (segment != null && segment >= totalSegments) {
            throw ApiException.validation("The Segment parameter is zero-based and must be less than parameter "
                    + "TotalSegments: Segment: " + segment + " is not less than TotalSegments: " + totalSegments);
        }
        Table.ReadSpec spec = new Table.ReadSpec(index, null, null, predicate(filter), true,
                exclusiveStartKey(request), limit(request), segment == null ? 0 : segment,
                totalSegments == null ? 1 : totalSegments);
        return page(request, table, index, spec, projection);
    }

    private ObjectNode page(Request request, Table table, IndexSchema index, Table.ReadSpec spec,
            List<DocumentPath> projection) {
        String select = request.oneOf("Select", null, SELECT);
        if ("ALL_PROJECTED_ATTRIBUTES".equals(select) && index == null) {
            throw ApiException.validation(
                    "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
        }
        if ("SPECIFIC_ATTRIBUTES".equals(select) && projection == null) {
            throw ApiException.validation("Must specify the ProjectionExpression or AttributesToGet when choosing "
                    + "to get SPECIFIC_ATTRIBUTES");
        }
        if ("ALL_ATTRIBUTES".equals(select) && index != null && index.global()
                && !"ALL".equals(index.projectionType())) {
            throw ApiException.validation("One or more parameter values were invalid: Select type ALL_ATTRIBUTES is "
                    + "not supported for global secondary index " + index.name() + " because its projection type "
                    + "is not ALL");
        }
        if (projection != null && select != null && !select.equals("SPECIFIC_ATTRIBUTES")) {
            throw ApiException.validation(
                    "Cannot specify the ProjectionExpression when choosing to get " + select);
        }
        boolean consistent = request.bool("ConsistentRead", false);
        if (consistent && index != null && index.global()) {
            throw ApiException.validation("Consistent reads are not supported on global secondary indexes");
        }

        Table.ReadResult result = table.read(spec);
        // A local index fetches what it does not project from the table; a global one cannot (checked above).
        boolean fromTable = index != null && !index.global() && !"ALL".equals(index.projectionType())
                && ("ALL_ATTRIBUTES".equals(select) || projection != null);
        ObjectNode response = Json.object();
        long bytes = 0;
        if (!"COUNT".equals(select)) {
            ArrayNode items = response.putArray("Items");
            for (ObjectNode indexed : result.items()) {
                ObjectNode item = fromTable ? table.get(indexed) : indexed;
                if (item == null) {
                    continue; // deleted since the index was read
                }
                items.add(projection == null ? item : Projection.apply(item, projection));
                bytes += AttributeValues.itemSize(item);
            }
        }
        response.put("Count", result.items().size());
        response.put("ScannedCount", result.scannedCount());
        if (result.lastEvaluatedKey() != null) {
            response.set("LastEvaluatedKey", result.lastEvaluatedKey());
        }
        Capacity.read(response, request, table, bytes, consistent);
        return response;
    }

    private static IndexSchema index(TableSchema schema, String name) {
        if (name == null) {
            return null;
        }
        return schema.index(name).orElseThrow(() -> ApiException.validation(
                "The table does not have the specified index: " + name));
    }

    private static int limit(Request request) {
        return request.integer("Limit", 1, Integer.MAX_VALUE, Integer.MAX_VALUE);
    }

    private static ObjectNode exclusiveStartKey(Request request) {
        ObjectNode start = request.object("ExclusiveStartKey");
        if (start != null) {
            AttributeValues.validateItem(start, "exclusiveStartKey");
        }
        return start;
    }

    private static Predicate<JsonNode> predicate(Condition condition) {
        return condition == null ? null : item -> ConditionEvaluator.test(condition, item);
    }

    /** DynamoDB only filters a Query on non-key attributes; key conditions belong in the key condition. */
    private static void rejectKeyAttributes(Condition condition, KeySchema keys) {
        switch (condition) {
            case Condition.And and -> {
                rejectKeyAttributes(and.left(), keys);
                rejectKeyAttributes(and.right(), keys);
            }
            case Condition.Or or -> {
                rejectKeyAttributes(or.left(), keys);
                rejectKeyAttributes(or.right(), keys);
            }
            case Condition.Not not -> rejectKeyAttributes(not.inner(), keys);
            case Condition.Compare compare -> rejectKeyAttributes(List.of(compare.left(), compare.right()), keys);
            case Condition.Between between ->
                    rejectKeyAttributes(List.of(between.value(), between.low(), between.high()), keys);
            case Condition.In in -> rejectKeyAttributes(List.of(in.value()), keys);
            case Condition.Function function -> rejectKeyAttributes(function.arguments(), keys);
        }
    }

    private static void rejectKeyAttributes(List<Operand> operands, KeySchema keys) {
        for (Operand operand : operands) {
            DocumentPath path = operand instanceof Operand.Path p ? p.path()
                    : operand instanceof Operand.Size s && s.target() instanceof Operand.Path p ? p.path() : null;
            if (path != null && keys.contains(path.head())) {
                throw ApiException.validation("Filter Expression can only contain non-primary key attributes: "
                        + "Primary key attribute: " + path.head());
            }
        }
    }
}
