package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The immutable definition of a table, as given to CreateTable; also the persisted form of a table's header. */
record TableSchema(String name, String tableId, long createdMillis, Map<String, String> attributeTypes,
        KeySchema keys, List<IndexSchema> indexes, String billingMode, Long readCapacity, Long writeCapacity,
        StreamSettings stream, boolean deletionProtection) {

    static final String ARN_PREFIX = "arn:aws:dynamodb:us-east-1:000000000000:table/";
    private static final int MAX_HASH_KEY_BYTES = 2048;
    private static final int MAX_RANGE_KEY_BYTES = 1024;

    String arn() {
        return ARN_PREFIX + name;
    }

    String streamArn() {
        return stream != null && stream.enabled() ? arn() + "/stream/" + stream.label() : null;
    }

    Optional<IndexSchema> index(String indexName) {
        return indexes.stream().filter(index -> index.name().equals(indexName)).findFirst();
    }

    // ---- keys ----

    /** The table's composite key of a validated item or key. */
    List<KeyValue> keyOf(JsonNode item) {
        List<KeyValue> key = new ArrayList<>(2);
        for (String name : keys.names()) {
            key.add(KeyValue.of(item.get(name)));
        }
        return key;
    }

    /**
     * The composite key under which an index stores an item: index key then table key, so items with equal index
     * keys stay distinct and ordered. Null if the item lacks an index key attribute.
     */
    List<KeyValue> indexKeyOf(IndexSchema index, JsonNode item) {
        List<KeyValue> key = new ArrayList<>(4);
        for (String name : index.keys().names()) {
            JsonNode av = item.get(name);
            if (av == null || !attributeTypes.get(name).equals(AttributeValues.type(av))) {
                return null;
            }
            key.add(KeyValue.of(av));
        }
        key.addAll(keyOf(item));
        return key;
    }

    /** The table's key attributes of an item (and an index's, when given), as DynamoDB returns keys. */
    ObjectNode keyAttributes(JsonNode item, IndexSchema index) {
        ObjectNode key = Json.object();
        for (String name : keys.names()) {
            key.set(name, item.get(name));
        }
        if (index != null) {
            for (String name : index.keys().names()) {
                key.set(name, item.get(name));
            }
        }
        return key;
    }

    // ---- validation ----

    /** Checks a whole item against the key schema, the index key types and the item size limit. */
    void validateItem(ObjectNode item) {
        List<String> names = keys.names();
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i);
            JsonNode av = item.get(name);
            if (av == null) {
                throw ApiException.validation(
                        "One or more parameter values were invalid: Missing the key " + name + " in the item");
            }
            String expected = attributeTypes.get(name);
            if (!expected.equals(AttributeValues.type(av))) {
                throw ApiException.validation("One or more parameter values were invalid: Type mismatch for key "
                        + name + " expected: " + expected + " actual: " + AttributeValues.type(av));
            }
            checkKeyValue(name, av, i == 0);
        }
        for (IndexSchema index : indexes) {
            for (String name : index.keys().names()) {
                JsonNode av = item.get(name);
                if (av == null || keys.contains(name)) {
                    continue;
                }
                String expected = attributeTypes.get(name);
                if (!expected.equals(AttributeValues.type(av))) {
                    throw ApiException.validation("One or more parameter values were invalid: "
                            + "Type mismatch for Index Key " + name + " Expected: " + expected + " Actual: "
                            + AttributeValues.type(av) + " IndexName: " + index.name());
                }
                if (AttributeValues.value(av).asText().isEmpty()) {
                    throw ApiException.validation("One or more parameter values are not valid. A value specified "
                            + "for a secondary index key is not supported. The AttributeValue for a key attribute "
                            + "cannot contain an empty string value. IndexName: " + index.name() + ", IndexKey: "
                            + name);
                }
            }
        }
        if (AttributeValues.itemSize(item) > AttributeValues.MAX_ITEM_SIZE) {
            throw ApiException.validation("Item size has exceeded the maximum allowed size");
        }
    }

    /** Checks a Key parameter: exactly the key attributes, with their declared types. */
    ObjectNode validateKey(JsonNode key) {
        AttributeValues.validateItem(key, "key");
        List<String> names = keys.names();
        if (key.size() != names.size()) {
            throw ApiException.validation("The provided key element does not match the schema");
        }
        for (int i = 0; i < names.size(); i++) {
            JsonNode av = key.get(names.get(i));
            if (av == null || !attributeTypes.get(names.get(i)).equals(AttributeValues.type(av))) {
                throw ApiException.validation("The provided key element does not match the schema");
            }
            checkKeyValue(names.get(i), av, i == 0);
        }
        return (ObjectNode) key;
    }

    private static void checkKeyValue(String name, JsonNode av, boolean hash) {
        String type = AttributeValues.type(av);
        String text = AttributeValues.value(av).asText();
        if (text.isEmpty()) {
            throw ApiException.validation("One or more parameter values are not valid. The AttributeValue for a key "
                    + "attribute cannot contain an empty " + ("B".equals(type) ? "binary" : "string")
                    + " value. Key: " + name);
        }
        long size = "N".equals(type) ? 0 : AttributeValues.size(av);
        if (hash && size > MAX_HASH_KEY_BYTES) {
            throw ApiException.validation("One or more parameter values were invalid: "
                    + "Size of hashkey has exceeded the maximum size limit of2048 bytes");
        }
        if (!hash && size > MAX_RANGE_KEY_BYTES) {
            throw ApiException.validation("One or more parameter values were invalid: "
                    + "Aggregated size of all range keys has exceeded the size limit of 1024 bytes");
        }
    }

    // ---- description ----

    /** Live figures that go into a TableDescription next to the schema. */
    record Stats(long itemCount, long sizeBytes, Map<String, long[]> indexCountAndSize) {
    }

    ObjectNode describe(String status, Stats stats) {
        ObjectNode d = Json.object();
        ArrayNode definitions = d.putArray("AttributeDefinitions");
        attributeTypes.forEach((attribute, type) ->
                definitions.addObject().put("AttributeName", attribute).put("AttributeType", type));
        d.put("TableName", name);
        d.set("KeySchema", keys.toJson());
        d.put("TableStatus", status);
        d.put("CreationDateTime", Json.epochSeconds(createdMillis));
        d.set("ProvisionedThroughput", throughput(readCapacity, writeCapacity));
        d.put("TableSizeBytes", stats.sizeBytes());
        d.put("ItemCount", stats.itemCount());
        d.put("TableArn", arn());
        d.put("TableId", tableId);
        if ("PAY_PER_REQUEST".equals(billingMode)) {
            d.putObject("BillingModeSummary").put("BillingMode", billingMode)
                    .put("LastUpdateToPayPerRequestDateTime", Json.epochSeconds(createdMillis));
        }
        ArrayNode globals = Json.array();
        ArrayNode locals = Json.array();
        for (IndexSchema index : indexes) {
            long[] countAndSize = stats.indexCountAndSize().getOrDefault(index.name(), new long[2]);
            ObjectNode i = (index.global() ? globals : locals).addObject();
            i.put("IndexName", index.name());
            i.set("KeySchema", index.keys().toJson());
            i.set("Projection", index.projectionJson());
            if (index.global()) {
                i.put("IndexStatus", status); // CREATING, ACTIVE or DELETING with its table
                i.set("ProvisionedThroughput", throughput(index.readCapacity(), index.writeCapacity()));
            }
            i.put("IndexSizeBytes", countAndSize[1]);
            i.put("ItemCount", countAndSize[0]);
            i.put("IndexArn", arn() + "/index/" + index.name());
        }
        if (!globals.isEmpty()) {
            d.set("GlobalSecondaryIndexes", globals);
        }
        if (!locals.isEmpty()) {
            d.set("LocalSecondaryIndexes", locals);
        }
        if (stream != null) {
            ObjectNode spec = d.putObject("StreamSpecification").put("StreamEnabled", stream.enabled());
            if (stream.enabled()) {
                spec.put("StreamViewType", stream.viewType());
                d.put("LatestStreamLabel", stream.label());
                d.put("LatestStreamArn", streamArn());
            }
        }
        d.put("DeletionProtectionEnabled", deletionProtection);
        return d;
    }

    private static ObjectNode throughput(Long read, Long write) {
        return Json.object().put("NumberOfDecreasesToday", 0)
                .put("ReadCapacityUnits", read == null ? 0 : read)
                .put("WriteCapacityUnits", write == null ? 0 : write);
    }
}
