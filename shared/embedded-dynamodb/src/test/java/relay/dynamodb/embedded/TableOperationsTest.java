package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.attribute;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.key;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;
import static relay.dynamodb.embedded.Fixtures.uniqueTableName;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.CreateTableRequest;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndexDescription;
import software.amazon.awssdk.services.dynamodb.model.IndexStatus;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ListTablesResponse;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ProvisionedThroughput;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class TableOperationsTest extends ServerTest {

    @Test
    void createTable_answersCreating_withArnAndKeys_andTheTableIsActiveWhenDescribed() {
        String name = uniqueTableName("requests");
        Instant before = Instant.now().minusSeconds(1);

        TableDescription table = client.createTable(table(name, "request_id", "ts", ScalarAttributeType.N).build())
                .tableDescription();

        assertEquals(name, table.tableName());
        assertEquals(TableStatus.CREATING, table.tableStatus(), "CreateTable is asynchronous in DynamoDB");
        assertEquals(TableStatus.ACTIVE, client.waiter().waitUntilTableExists(b -> b.tableName(name),
                o -> o.maxAttempts(20)).matched().response().orElseThrow().table().tableStatus());
        assertEquals("arn:aws:dynamodb:us-east-1:000000000000:table/" + name, table.tableArn());
        assertEquals(List.of(key("request_id", KeyType.HASH), key("ts", KeyType.RANGE)), table.keySchema());
        assertEquals(BillingMode.PAY_PER_REQUEST, table.billingModeSummary().billingMode());
        assertEquals(0L, table.itemCount());
        assertTrue(table.creationDateTime().isAfter(before));
        assertNotNull(table.tableId());
    }

    @Test
    void describeTable_reportsLiveItemCountAndGsis() {
        String name = uniqueTableName("with-gsi");
        createActive(table(name, "pk", null, null)
                .attributeDefinitions(attribute("pk", ScalarAttributeType.S), attribute("user", ScalarAttributeType.S))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                        .indexName("by-user")
                        .keySchema(key("user", KeyType.HASH))
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                        .build())
                .build());
        client.putItem(b -> b.tableName(name).item(item("pk", s("1"), "user", s("ann"))));
        client.putItem(b -> b.tableName(name).item(item("pk", s("2"))));

        TableDescription table = client.describeTable(b -> b.tableName(name)).table();

        assertEquals(2L, table.itemCount());
        GlobalSecondaryIndexDescription gsi = table.globalSecondaryIndexes().get(0);
        assertEquals("by-user", gsi.indexName());
        assertEquals(IndexStatus.ACTIVE, gsi.indexStatus());
        assertEquals(ProjectionType.KEYS_ONLY, gsi.projection().projectionType());
        assertEquals(1L, gsi.itemCount(), "only items with the index key are in the index");
    }

    @Test
    void describeTable_sizesFollowPutsOverwritesAndDeletes() {
        String name = uniqueTableName("sizes");
        createActive(table(name, "pk", null, null)
                .attributeDefinitions(attribute("pk", ScalarAttributeType.S), attribute("user", ScalarAttributeType.S))
                .globalSecondaryIndexes(GlobalSecondaryIndex.builder()
                        .indexName("by-user")
                        .keySchema(key("user", KeyType.HASH))
                        .projection(Projection.builder().projectionType(ProjectionType.KEYS_ONLY).build())
                        .build())
                .build());
        // an item's size: its attribute names' and values' UTF-8 bytes; the index holds the keys only
        client.putItem(b -> b.tableName(name).item(item("pk", s("1"), "user", s("ann"), "note", s("hello"))));
        assertSizes(name, 3 + 7 + 9, 3 + 7);
        client.putItem(b -> b.tableName(name).item(item("pk", s("1"), "user", s("ann"))));
        assertSizes(name, 3 + 7, 3 + 7);
        client.putItem(b -> b.tableName(name).item(item("pk", s("2"))));
        assertSizes(name, 3 + 7 + 3, 3 + 7);
        client.deleteItem(b -> b.tableName(name).key(item("pk", s("1"))));
        assertSizes(name, 3, 0);
    }

    private void assertSizes(String name, long tableBytes, long indexBytes) {
        TableDescription table = client.describeTable(b -> b.tableName(name)).table();
        assertEquals(tableBytes, table.tableSizeBytes());
        assertEquals(indexBytes, table.globalSecondaryIndexes().get(0).indexSizeBytes());
    }

    @Test
    void createTable_withProvisionedThroughput_echoesCapacity() {
        String name = uniqueTableName("provisioned");
        TableDescription table = client.createTable(table(name, "pk", null, null)
                .billingMode(BillingMode.PROVISIONED)
                .provisionedThroughput(ProvisionedThroughput.builder().readCapacityUnits(5L).writeCapacityUnits(7L)
                        .build())
                .build()).tableDescription();

        assertEquals(5L, table.provisionedThroughput().readCapacityUnits());
        assertEquals(7L, table.provisionedThroughput().writeCapacityUnits());
    }

    @Test
    void createTable_withStream_echoesSpecificationAndLatestStreamArn() {
        String name = uniqueTableName("streamed");
        TableDescription table = client.createTable(table(name, "pk", null, null)
                .streamSpecification(b -> b.streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES))
                .build()).tableDescription();

        assertTrue(table.streamSpecification().streamEnabled());
        assertEquals(StreamViewType.NEW_AND_OLD_IMAGES, table.streamSpecification().streamViewType());
        assertTrue(table.latestStreamArn().startsWith(table.tableArn() + "/stream/"));
        assertEquals(table.latestStreamArn(), table.tableArn() + "/stream/" + table.latestStreamLabel());
    }

    @Test
    void createTable_existingName_throwsResourceInUse() {
        String name = uniqueTableName("twice");
        CreateTableRequest request = table(name, "pk", null, null).build();
        createActive(request);

        assertThrows(ResourceInUseException.class, () -> client.createTable(request));
    }

    @Test
    void createTable_keyWithoutAttributeDefinition_isValidationError() {
        CreateTableRequest request = table(uniqueTableName("bad"), "pk", null, null)
                .attributeDefinitions(attribute("other", ScalarAttributeType.S))
                .build();

        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.createTable(request));
        assertEquals(400, e.statusCode());
        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
        assertTrue(e.awsErrorDetails().errorMessage().contains("not defined in AttributeDefinitions"));
    }

    @Test
    void createTable_provisionedWithoutThroughput_isValidationError() {
        CreateTableRequest request = table(uniqueTableName("bad"), "pk", null, null)
                .billingMode(BillingMode.PROVISIONED).build();

        DynamoDbException e = assertThrows(DynamoDbException.class, () -> client.createTable(request));
        assertEquals("ValidationException", e.awsErrorDetails().errorCode());
    }

    @Test
    void describeTable_unknownTable_throwsResourceNotFound() {
        ResourceNotFoundException e = assertThrows(ResourceNotFoundException.class,
                () -> client.describeTable(b -> b.tableName("no-such-table")));
        assertEquals(400, e.statusCode());
        assertTrue(e.awsErrorDetails().errorMessage().startsWith("Requested resource not found"));
    }

    @Test
    void listTables_returnsNamesInOrder_andPaginates() {
        List<String> created = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = uniqueTableName("listed");
            createActive(table(name, "pk", null, null).build());
            created.add(name);
        }

        List<String> all = client.listTablesPaginator(b -> b.limit(2)).tableNames().stream().toList();
        ListTablesResponse firstPage = client.listTables(b -> b.limit(1));

        assertTrue(all.containsAll(created));
        assertEquals(all.stream().sorted().toList(), all);
        assertEquals(1, firstPage.tableNames().size());
        assertEquals(firstPage.tableNames().get(0), firstPage.lastEvaluatedTableName());
    }

    @Test
    void deleteTable_removesTable() {
        String name = uniqueTableName("doomed");
        createActive(table(name, "pk", null, null).build());

        TableDescription deleted = client.deleteTable(b -> b.tableName(name)).tableDescription();

        assertEquals(TableStatus.DELETING, deleted.tableStatus());
        // DynamoDB (and dynalite) may list a DELETING table for a while: wait until it is gone, bounded
        long giveUp = System.nanoTime() + java.time.Duration.ofSeconds(60).toNanos();
        while (client.listTables().tableNames().contains(name) && System.nanoTime() < giveUp) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
        assertFalse(client.listTables().tableNames().contains(name));
        assertThrows(ResourceNotFoundException.class, () -> client.deleteTable(b -> b.tableName(name)));
        assertThrows(ResourceNotFoundException.class,
                () -> client.getItem(b -> b.tableName(name).key(item("pk", s("x")))));
    }

    @Test
    void updateTimeToLive_isReportedByDescribeTimeToLive() {
        String name = uniqueTableName("ttl");
        createActive(table(name, "pk", null, null).build());
        assertEquals(TimeToLiveStatus.DISABLED,
                client.describeTimeToLive(b -> b.tableName(name)).timeToLiveDescription().timeToLiveStatus());

        client.updateTimeToLive(b -> b.tableName(name)
                .timeToLiveSpecification(t -> t.enabled(true).attributeName("expires_at")));

        var description = client.describeTimeToLive(b -> b.tableName(name)).timeToLiveDescription();
        assertEquals(TimeToLiveStatus.ENABLED, description.timeToLiveStatus());
        assertEquals("expires_at", description.attributeName());
        DynamoDbException again = assertThrows(DynamoDbException.class, () -> client.updateTimeToLive(b -> b
                .tableName(name).timeToLiveSpecification(t -> t.enabled(true).attributeName("expires_at"))));
        assertEquals("ValidationException", again.awsErrorDetails().errorCode());
    }

    @Test
    void waiter_seesCreatedTableAsExisting() {
        String name = uniqueTableName("waited");
        createActive(table(name, "pk", null, null).build());

        var response = client.waiter().waitUntilTableExists(b -> b.tableName(name),
                o -> o.maxAttempts(2).waitTimeout(Duration.ofSeconds(5)));

        assertEquals(TableStatus.ACTIVE, response.matched().response().orElseThrow().table().tableStatus());
        assertNull(response.matched().exception().orElse(null));
    }
}
