package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.attribute;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.key;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GlobalSecondaryIndex;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.Projection;
import software.amazon.awssdk.services.dynamodb.model.ProjectionType;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

class PersistenceTest {
    @TempDir
    Path dataDir;

    @Test
    void restartWithDataDir_keepsTablesItemsIndexesAndTtl() {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("keys", "id", null, null)
                    .attributeDefinitions(attribute("id", ScalarAttributeType.S),
                            attribute("owner_id", ScalarAttributeType.S))
                    .globalSecondaryIndexes(GlobalSecondaryIndex.builder().indexName("by-owner")
                            .keySchema(key("owner_id", KeyType.HASH))
                            .projection(Projection.builder().projectionType(ProjectionType.ALL).build()).build())
                    .build());
            client.updateTimeToLive(b -> b.tableName("keys")
                    .timeToLiveSpecification(t -> t.enabled(true).attributeName("expires_at")));
            client.putItem(b -> b.tableName("keys").item(item("id", s("k1"), "owner_id", s("o1"), "uses", n(1))));
            client.putItem(b -> b.tableName("keys").item(item("id", s("k2"), "owner_id", s("o1"))));
            client.putItem(b -> b.tableName("keys").item(item("id", s("k3"))));
            client.updateItem(b -> b.tableName("keys").key(item("id", s("k1"))).updateExpression("ADD uses :one")
                    .expressionAttributeValues(Map.of(":one", n(1))));
            client.deleteItem(b -> b.tableName("keys").key(item("id", s("k3"))));
        }

        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(List.of("keys"), client.listTables().tableNames());
            assertEquals(item("id", s("k1"), "owner_id", s("o1"), "uses", n(2)),
                    client.getItem(b -> b.tableName("keys").key(item("id", s("k1")))).item());
            assertFalse(client.getItem(b -> b.tableName("keys").key(item("id", s("k3")))).hasItem());
            assertEquals(2, client.query(b -> b.tableName("keys").indexName("by-owner")
                    .keyConditionExpression("owner_id = :o").expressionAttributeValues(Map.of(":o", s("o1"))))
                    .count());
            assertEquals(TimeToLiveStatus.ENABLED, client.describeTimeToLive(b -> b.tableName("keys"))
                    .timeToLiveDescription().timeToLiveStatus());
            assertEquals(2L, client.describeTable(b -> b.tableName("keys")).table().itemCount());
        }
    }

    @Test
    void deletedTable_staysDeletedAfterRestart() {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("temp", "id", null, null).build());
            client.putItem(b -> b.tableName("temp").item(item("id", s("x"))));
            client.deleteTable(b -> b.tableName("temp"));
        }

        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            assertTrue(client.listTables().tableNames().isEmpty());
            assertThrows(ResourceNotFoundException.class, () -> client.describeTable(b -> b.tableName("temp")));
        }
    }

    @Test
    void manyOverwrites_compactTheLog_andKeepOnlyTheLatestValues() throws IOException {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("counters", "id", null, null).build());
            for (int i = 1; i <= 1500; i++) {
                int value = i;
                client.putItem(b -> b.tableName("counters").item(item("id", s("c" + (value % 3)), "v", n(value))));
            }
        }
        long lines = Files.readAllLines(tableFile("counters")).size();

        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals("1500", client.getItem(b -> b.tableName("counters").key(item("id", s("c0")))).item()
                    .get("v").n());
            assertEquals(3, client.scan(b -> b.tableName("counters")).count());
        }
        assertTrue(lines < 1500, "the log was compacted while writing, not replayed whole: " + lines + " lines");
    }

    @Test
    void tornLastLine_isIgnoredOnLoad() throws IOException {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("crashy", "id", null, null).build());
            client.putItem(b -> b.tableName("crashy").item(item("id", s("kept"))));
        }
        Files.writeString(tableFile("crashy"), "{\"put\":{\"id\":{\"S\":\"lo",
                StandardCharsets.UTF_8, StandardOpenOption.APPEND);

        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(1, client.scan(b -> b.tableName("crashy")).count());
            client.putItem(b -> b.tableName("crashy").item(item("id", s("after"))));
        }
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(2, client.scan(b -> b.tableName("crashy")).count());
        }
    }

    @Test
    void tablesWhoseNamesDifferOnlyInCase_keepSeparateFiles() {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("Logs", "id", null, null).build());
            client.createTable(table("logs", "id", null, null).build());
            client.putItem(b -> b.tableName("Logs").item(item("id", s("upper"))));
            client.putItem(b -> b.tableName("logs").item(item("id", s("lower"))));
        }

        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals("upper", client.scan(b -> b.tableName("Logs")).items().get(0).get("id").s());
            assertEquals("lower", client.scan(b -> b.tableName("logs")).items().get(0).get("id").s());
        }
    }

    @Test
    void secondServerOnTheSameDataDir_isRefused() {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(dataDir)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> EmbeddedDynamoDb.start(dataDir));
            assertTrue(e.getMessage().contains("in use"));
        }
        EmbeddedDynamoDb.start(dataDir).close();
    }

    private Path tableFile(String table) {
        return TableLog.fileFor(dataDir, table);
    }
}
