package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

class TimeToLiveTest {
    private static final long T0 = 1_700_000_000L;
    /** Long enough that only the test's own sweeps run, however slow the machine. */
    private static final Duration NEVER = Duration.ofDays(1);

    private final TestClock clock = new TestClock(T0);

    @TempDir
    Path dataDir;

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(long epochSeconds) {
            now = Instant.ofEpochSecond(epochSeconds);
        }

        void set(long epochSeconds) {
            now = Instant.ofEpochSecond(epochSeconds);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }

    private EmbeddedDynamoDb.Builder server() {
        return EmbeddedDynamoDb.builder().clock(clock).ttlSweepInterval(NEVER);
    }

    private static void enableTtl(DynamoDbClient client, String table) {
        client.updateTimeToLive(b -> b.tableName(table)
                .timeToLiveSpecification(t -> t.enabled(true).attributeName("expires_at")));
    }

    @Test
    void sweep_deletesItemsWhoseExpiryIsBeforeTheClock_andKeepsTheRest() {
        try (EmbeddedDynamoDb db = server().start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("sessions", "id", null, null).build());
            enableTtl(client, "sessions");
            client.putItem(b -> b.tableName("sessions").item(item("id", s("soon"), "expires_at", n(T0 + 10))));
            client.putItem(b -> b.tableName("sessions").item(item("id", s("at-60"), "expires_at", n(T0 + 60))));
            client.putItem(b -> b.tableName("sessions").item(item("id", s("later"), "expires_at", n(T0 + 3600))));
            client.putItem(b -> b.tableName("sessions").item(item("id", s("no-ttl"))));
            client.putItem(b -> b.tableName("sessions").item(item("id", s("not-a-number"), "expires_at", s("0"))));
            // Milliseconds by mistake: far in the future, so never expires, as in DynamoDB.
            client.putItem(b -> b.tableName("sessions").item(item("id", s("millis"), "expires_at",
                    n(T0 * 1000))));
            // More than five years back: DynamoDB's TTL ignores it.
            client.putItem(b -> b.tableName("sessions").item(item("id", s("ancient"), "expires_at",
                    n(T0 - 6L * 365 * 24 * 3600))));

            assertEquals(0, db.sweepExpiredItems(), "nothing has expired yet");
            clock.set(T0 + 60);
            assertEquals(1, db.sweepExpiredItems());

            assertEquals(Set.of("at-60", "later", "no-ttl", "not-a-number", "millis", "ancient"),
                    ids(client, "sessions"), "an item expiring exactly now is kept until the next second");
            client.updateItem(b -> b.tableName("sessions").key(item("id", s("later")))
                    .updateExpression("SET expires_at = :t").expressionAttributeValues(
                            java.util.Map.of(":t", n(T0 + 30))));
            clock.set(T0 + 61);
            assertEquals(2, db.sweepExpiredItems(), "an updated expiry time counts, not the stored one");
            assertEquals(Set.of("no-ttl", "not-a-number", "millis", "ancient"), ids(client, "sessions"));
        }
    }

    @Test
    void sweep_ignoresTablesWithoutTtl() {
        try (EmbeddedDynamoDb db = server().start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("plain", "id", null, null).build());
            client.putItem(b -> b.tableName("plain").item(item("id", s("old"), "expires_at", n(T0 - 60))));

            assertEquals(0, db.sweepExpiredItems());

            assertTrue(client.getItem(b -> b.tableName("plain").key(item("id", s("old")))).hasItem());
        }
    }

    @Test
    void ttlEnabledAfterTheItemsWereWritten_appliesToThem() {
        try (EmbeddedDynamoDb db = server().start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("late", "id", null, null).build());
            client.putItem(b -> b.tableName("late").item(item("id", s("old"), "expires_at", n(T0 - 60))));
            enableTtl(client, "late");

            assertEquals(1, db.sweepExpiredItems());
        }
    }

    @Test
    void sweptItem_isAStreamRemoveByTheTtlService_withItsOldImage() {
        try (EmbeddedDynamoDb db = server().start(); DynamoDbClient client = Fixtures.client(db);
                DynamoDbStreamsClient streams = Fixtures.streamsClient(db)) {
            String arn = client.createTable(table("streamed", "id", null, null).streamSpecification(b -> b
                    .streamEnabled(true).streamViewType(StreamViewType.NEW_AND_OLD_IMAGES)).build())
                    .tableDescription().latestStreamArn();
            enableTtl(client, "streamed");
            var expiring = item("id", s("x"), "expires_at", n(T0 + 1));
            client.putItem(b -> b.tableName("streamed").item(expiring));
            client.deleteItem(b -> b.tableName("streamed").key(item("id", s("x"))));
            client.putItem(b -> b.tableName("streamed").item(expiring));
            clock.set(T0 + 2);
            db.sweepExpiredItems();

            String shard = streams.describeStream(b -> b.streamArn(arn)).streamDescription().shards().get(0)
                    .shardId();
            String iterator = streams.getShardIterator(b -> b.streamArn(arn).shardId(shard)
                    .shardIteratorType(ShardIteratorType.TRIM_HORIZON)).shardIterator();
            List<Record> records = streams.getRecords(b -> b.shardIterator(iterator)).records();

            assertEquals(List.of(OperationType.INSERT, OperationType.REMOVE, OperationType.INSERT,
                    OperationType.REMOVE), records.stream().map(Record::eventName).toList());
            assertEquals(null, records.get(1).userIdentity(), "a client's delete has no service identity");
            Record swept = records.get(3);
            assertEquals("Service", swept.userIdentity().type());
            assertEquals("dynamodb.amazonaws.com", swept.userIdentity().principalId());
            assertEquals(expiring, swept.dynamodb().oldImage());
            assertTrue(swept.dynamodb().newImage().isEmpty());
        }
    }

    @Test
    void backgroundSweep_runsOnItsInterval() throws InterruptedException {
        try (EmbeddedDynamoDb db = server().ttlSweepInterval(Duration.ofMillis(20)).start();
                DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("swept", "id", null, null).build());
            enableTtl(client, "swept");
            client.putItem(b -> b.tableName("swept").item(item("id", s("x"), "expires_at", n(T0 + 1))));
            clock.set(T0 + 2);

            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!ids(client, "swept").isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }

            assertEquals(Set.of(), ids(client, "swept"));
        }
    }

    @Test
    void sweptItems_stayDeletedAfterARestart() {
        try (EmbeddedDynamoDb db = server().dataDir(dataDir).start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("kept", "id", null, null).build());
            enableTtl(client, "kept");
            client.putItem(b -> b.tableName("kept").item(item("id", s("gone"), "expires_at", n(T0 - 1))));
            client.putItem(b -> b.tableName("kept").item(item("id", s("stays"))));
            assertEquals(1, db.sweepExpiredItems());
        }
        clock.set(T0 - 100);
        try (EmbeddedDynamoDb db = server().dataDir(dataDir).start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(Set.of("stays"), ids(client, "kept"));
        }
    }

    @Test
    void itemCap_deletesTheItemsThatExpireSoonest_asTtlDeletions() {
        try (EmbeddedDynamoDb db = server().maxItemsPerTable(3).start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table("capped", "id", null, null).build());
            enableTtl(client, "capped");
            long[] expiries = {T0 + 50, T0 + 10, T0 + 40, T0 + 20, T0 + 30};
            for (int i = 0; i < expiries.length; i++) {
                long expiry = expiries[i];
                client.putItem(b -> b.tableName("capped").item(item("id", s("e" + (expiry - T0)),
                        "expires_at", n(expiry))));
                assertTrue(ids(client, "capped").size() <= 3, "the cap holds after every write");
            }
            assertEquals(Set.of("e30", "e40", "e50"), ids(client, "capped"));

            client.putItem(b -> b.tableName("capped").item(item("id", s("no-ttl-1"))));
            assertEquals(Set.of("e40", "e50", "no-ttl-1"), ids(client, "capped"));
            for (int i = 2; i <= 4; i++) {
                String id = "no-ttl-" + i;
                client.putItem(b -> b.tableName("capped").item(item("id", s(id))));
            }
            assertEquals(Set.of("no-ttl-1", "no-ttl-2", "no-ttl-3", "no-ttl-4"), ids(client, "capped"),
                    "items without a TTL value are never evicted, even over the cap");
        }
    }

    private static Set<String> ids(DynamoDbClient client, String table) {
        return client.scan(b -> b.tableName(table)).items().stream().map(i -> i.get("id").s())
                .collect(Collectors.toSet());
    }
}
