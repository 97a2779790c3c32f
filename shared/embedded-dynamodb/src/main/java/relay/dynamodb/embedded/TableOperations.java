package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/** Control-plane operations: CreateTable, DescribeTable, ListTables, DeleteTable and the TTL settings. */
final class TableOperations {
    private static final Pattern TABLE_NAME = Pattern.compile("[a-zA-Z0-9_.-]+");
    private static final DateTimeFormatter STREAM_LABEL =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneOffset.UTC);
    private static final List<String> PROJECTION_TYPES = List.of("ALL", "KEYS_ONLY", "INCLUDE");
    private static final List<String> VIEW_TYPES = List.of("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY");

    private final Database database;

    TableOperations(Database database) {
        this.database = database;
    }

    static String tableName(Request request) {
        String name = request.string("TableName");
        if (name == null) {
            throw Request.missing("TableName");
        }
        if (name.length() < 3 || name.length() > 255) {
            throw ApiException.validation("1 validation error detected: Value '" + name + "' at 'tableName' failed "
                    + "to satisfy constraint: Member must have length " + (name.length() < 3
                            ? "greater than or equal to 3" : "less than or equal to 255"));
        }
        if (!TABLE_NAME.matcher(name).matches()) {
            throw ApiException.validation("1 validation error detected: Value '" + name + "' at 'tableName' failed "
                    + "to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+");
        }
        return name;
    }

    ObjectNode createTable(Request request) {
        String name = tableName(request);
        Map<String, String> types = attributeDefinitions(request.node("AttributeDefinitions"));
        KeySchema keys = keySchema(request.node("KeySchema"), "keySchema");
        String billingMode = request.oneOf("BillingMode", "PROVISIONED", List.of("PROVISIONED", "PAY_PER_REQUEST"));
        boolean provisioned = billingMode.equals("PROVISIONED");
        Throughput throughput = throughput(request.nested("ProvisionedThroughput"), provisioned, null);
        List<IndexSchema> indexes = indexes(request, keys, provisioned);
        checkAttributeDefinitions(types, keys, indexes);
        long now = System.currentTimeMillis();

        TableSchema schema = new TableSchema(name, UUID.randomUUID().toString(), now, types, keys, indexes,
                billingMode, throughput.read(), throughput.write(), streamSettings(request, now),
                request.bool("DeletionProtectionEnabled", false));
        Table table = database.create(schema);
        // DynamoDB answers CreateTable with CREATING; this table is ACTIVE (usable) as soon as DescribeTable asks.
        return Json.object().set("TableDescription", table.describe("CREATING"));
    }

    private static List<IndexSchema> indexes(Request request, KeySchema keys, boolean provisioned) {
        List<IndexSchema> indexes = new ArrayList<>();
        JsonNode globals = request.node("GlobalSecondaryIndexes");
        JsonNode locals = request.node("LocalSecondaryIndexes");
        for (JsonNode gsi : globals == null ? Json.array() : globals) {
            indexes.add(index(new Request((ObjectNode) gsi), true, provisioned));
        }
        for (JsonNode lsi : locals == null ? Json.array() : locals) {
            IndexSchema index = index(new Request((ObjectNode) lsi), false, provisioned);
            if (keys.range() == null) {
                throw ApiException.validation("One or more parameter values were invalid: Table KeySchema does not "
                        + "have a range key, which is required when specifying a LocalSecondaryIndex");
            }
            if (!index.keys().hash().equals(keys.hash()) || index.keys().range() == null) {
                throw ApiException.validation("One or more parameter values were invalid: Index KeySchema does not "
                        + "have the same leading hash key as table KeySchema for index: " + index.name());
            }
            indexes.add(index);
        }
        Set<String> names = new LinkedHashSet<>();
        for (IndexSchema index : indexes) {
            if (!names.add(index.name())) {
                throw ApiException.validation("One or more parameter values were invalid: Duplicate index name: "
                        + index.name());
            }
        }
        return indexes;
    }

    /** DynamoDB wants AttributeDefinitions to be exactly the key attributes of the table and its indexes. */
    private static void checkAttributeDefinitions(Map<String, String> types, KeySchema keys,
            List<IndexSchema> indexes) {
        Set<String> used = new LinkedHashSet<>(keys.names());
        indexes.forEach(index -> used.addAll(index.keys().names()));
        if (!types.keySet().containsAll(used)) {
            throw ApiException.validation("One or more parameter values were invalid: Some index key attributes are "
                    + "not defined in AttributeDefinitions. Keys: " + used + ", AttributeDefinitions: "
                    + types.keySet());
        }
        if (!used.containsAll(types.keySet())) {
            throw ApiException.validation(indexes.isEmpty()
                    ? "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly "
                            + "match number of attributes defined in AttributeDefinitions"
                    : "One or more parameter values were invalid: Some AttributeDefinitions are not used. "
                            + "AttributeDefinitions: " + types.keySet() + ", keys used: " + used);
        }
    }

    private static StreamSettings streamSettings(Request request, long now) {
        Request spec = request.nested("StreamSpecification");
        if (spec == null) {
            return null;
        }
        boolean enabled = spec.bool("StreamEnabled", false);
        String viewType = spec.oneOf("StreamViewType", null, VIEW_TYPES);
        if (enabled && viewType == null) {
            throw ApiException.validation("One or more parameter values were invalid: "
                    + "StreamViewType must be specified when StreamEnabled is true");
        }
        return enabled ? new StreamSettings(true, viewType, STREAM_LABEL.format(Instant.ofEpochMilli(now)))
                : new StreamSettings(false, null, null);
    }

    private static Map<String, String> attributeDefinitions(JsonNode definitions) {
        if (definitions == null || !definitions.isArray()) {
            throw Request.missing("AttributeDefinitions");
        }
        Map<String, String> types = new LinkedHashMap<>();
        for (JsonNode definition : definitions) {
            Request d = new Request((ObjectNode) definition);
            String attribute = d.requiredString("AttributeName");
            String type = d.oneOf("AttributeType", null, List.of("B", "N", "S"));
            if (type == null) {
                throw Request.missing("AttributeType");
            }
            if (types.put(attribute, type) != null) {
                throw ApiException.validation("Cannot have two attributes with the same name");
            }
        }
        return types;
    }

    private static KeySchema keySchema(JsonNode elements, String member) {
        if (elements == null || !elements.isArray() || elements.isEmpty()) {
            throw ApiException.validation("1 validation error detected: Value null at '" + member
                    + "' failed to satisfy constraint: Member must not be null");
        }
        if (elements.size() > 2) {
            throw ApiException.validation("1 validation error detected: Value '" + elements + "' at '" + member
                    + "' failed to satisfy constraint: Member must have length less than or equal to 2");
        }
        Request hash = new Request((ObjectNode) elements.get(0));
        if (!"HASH".equals(hash.string("KeyType"))) {
            throw ApiException.validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
        }
        String range = null;
        if (elements.size() == 2) {
            Request rangeElement = new Request((ObjectNode) elements.get(1));
            if (!"RANGE".equals(rangeElement.string("KeyType"))) {
                throw ApiException.validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
            }
            range = rangeElement.requiredString("AttributeName");
        }
        String hashName = hash.requiredString("AttributeName");
        if (hashName.equals(range)) {
            throw ApiException.validation(
                    "Both the Hash Key and the Range Key element in the KeySchema have the same name");
        }
        return new KeySchema(hashName, range);
    }

    /** Provisioned read and write capacity; both null for on-demand tables and local indexes. */
    private record Throughput(Long read, Long write) {
    }

    /** Checks the ProvisionedThroughput parameter agrees with the billing mode. */
    private static Throughput throughput(Request throughput, boolean provisioned, String indexName) {
        if (provisioned && throughput == null) {
            throw ApiException.validation(indexName == null ? "No provisioned throughput specified for the table"
                    : "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: "
                            + indexName);
        }
        if (!provisioned && throughput != null) {
            throw ApiException.validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                    + "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
        }
        if (throughput == null) {
            return new Throughput(null, null);
        }
        Integer read = throughput.integer("ReadCapacityUnits", 1, Integer.MAX_VALUE);
        Integer write = throughput.integer("WriteCapacityUnits", 1, Integer.MAX_VALUE);
        if (read == null || write == null) {
            throw ApiException.validation("One or more parameter values were invalid: ReadCapacityUnits and "
                    + "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED");
        }
        return new Throughput(read.longValue(), write.longValue());
    }

    private static IndexSchema index(Request index, boolean global, boolean provisioned) {
        String name = index.requiredString("IndexName");
        KeySchema keys = keySchema(index.node("KeySchema"), "keySchema");
        Request projection = index.nested("Projection");
        if (projection == null) {
            throw Request.missing("Projection");
        }
        String type = projection.oneOf("ProjectionType", "KEYS_ONLY", PROJECTION_TYPES);
        List<String> nonKey = new ArrayList<>();
        JsonNode nonKeyJson = projection.node("NonKeyAttributes");
        if (nonKeyJson != null) {
            if (!type.equals("INCLUDE")) {
                throw ApiException.validation("One or more parameter values were invalid: ProjectionType is " + type
                        + ", but NonKeyAttributes is specified");
            }
            nonKeyJson.forEach(attribute -> nonKey.add(attribute.asText()));
        }
        Throughput throughput = global ? throughput(index.nested("ProvisionedThroughput"), provisioned, name)
                : new Throughput(null, null);
        return new IndexSchema(name, global, keys, type, nonKey, throughput.read(), throughput.write());
    }

    ObjectNode describeTable(Request request) {
        Table table = database.describedTable(tableName(request));
        return Json.object().set("Table", table.describe("ACTIVE"));
    }

    ObjectNode deleteTable(Request request) {
        Table table = database.delete(tableName(request));
        return Json.object().set("TableDescription", table.describe("DELETING"));
    }

    ObjectNode listTables(Request request) {
        int limit = request.integer("Limit", 1, 100, 100);
        String start = request.string("ExclusiveStartTableName");
        List<String> names = database.tableNames();
        ArrayNode page = Json.array();
        String last = null;
        for (String name : names) {
            if (start != null && name.compareTo(start) <= 0) {
                continue;
            }
            if (page.size() == limit) {
                last = page.get(page.size() - 1).asText();
                break;
            }
            page.add(name);
        }
        ObjectNode response = Json.object();
        response.set("TableNames", page);
        if (last != null) {
            response.put("LastEvaluatedTableName", last);
        }
        return response;
    }

    ObjectNode updateTimeToLive(Request request) {
        Table table = database.describedTable(tableName(request));
        Request spec = request.nested("TimeToLiveSpecification");
        if (spec == null) {
            throw Request.missing("TimeToLiveSpecification");
        }
        String attribute = spec.requiredString("AttributeName");
        if (spec.node("Enabled") == null) {
            throw Request.missing("TimeToLiveSpecification.Enabled");
        }
        boolean enabled = spec.bool("Enabled", false);
        String current = table.ttlAttribute();
        if (enabled && current != null) {
            throw ApiException.validation("TimeToLive is already enabled");
        }
        if (!enabled && current == null) {
            throw ApiException.validation("TimeToLive is already disabled");
        }
        table.setTtlAttribute(enabled ? attribute : null);
        ObjectNode response = Json.object();
        response.putObject("TimeToLiveSpecification").put("Enabled", enabled).put("AttributeName", attribute);
        return response;
    }

    ObjectNode describeTimeToLive(Request request) {
        Table table = database.describedTable(tableName(request));
        String attribute = table.ttlAttribute();
        ObjectNode description = Json.object();
        description.put("TimeToLiveStatus", attribute == null ? "DISABLED" : "ENABLED");
        if (attribute != null) {
            description.put("AttributeName", attribute);
        }
        return Json.object().set("TimeToLiveDescription", description);
    }
}
