package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;

import java.time.Instant;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

class TimeToLiveTest {

    @Test
    void ttlSweep_deletesItemsWhoseExpiryHasPassed_andKeepsTheRest() throws InterruptedException {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("sessions", "id", null, null).build());
            client.updateTimeToLive(b -> b.tableName("sessions")
                    .timeToLiveSpecification(t -> t.enabled(true).attributeName("expires_at")));
            long now = Instant.now().getEpochSecond();
            client.putItem(b -> b.tableName("sessions").item(item("id", s("expired"), "expires_at", n(now - 60))));
            client.putItem(b -> b.tableName("sessions").item(item("id", s("future"), "expires_at", n(now + 3600))));
            client.putItem(b -> b.tableName("sessions").item(item("id", s("no-ttl"))));
            client.putItem(b -> b.tableName("sessions").item(item("id", s("not-a-number"), "expires_at", s("0"))));
            // Milliseconds by mistake: far in the future, so never expires, as in DynamoDB.
            client.putItem(b -> b.tableName("sessions").item(item("id", s("millis"), "expires_at",
                    n(System.currentTimeMillis()))));

            long deadline = System.nanoTime() + 10_000_000_000L;
            while (ids(client).contains("expired") && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }

            assertEquals(Set.of("future", "no-ttl", "not-a-number", "millis"), ids(client));
        }
    }

    @Test
    void ttlSweep_ignoresTablesWithoutTtl() throws InterruptedException {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("plain", "id", null, null).build());
            long past = Instant.now().getEpochSecond() - 60;
            client.putItem(b -> b.tableName("plain").item(item("id", s("old"), "expires_at", n(past))));

            Thread.sleep(1500);

            assertTrue(client.getItem(b -> b.tableName("plain").key(item("id", s("old")))).hasItem());
        }
    }

    private static Set<String> ids(DynamoDbClient client) {
        return client.scan(b -> b.tableName("sessions")).items().stream().map(i -> i.get("id").s())
                .collect(Collectors.toSet());
    }
}
