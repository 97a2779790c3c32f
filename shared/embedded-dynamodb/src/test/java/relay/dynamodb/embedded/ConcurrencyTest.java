package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

class ConcurrencyTest {
    private static final int THREADS = 8;
    private static final int PER_THREAD = 50;

    @Test
    void concurrentPutsFromSeveralThreads_allLand() throws Exception {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(); DynamoDbClient client = Fixtures.client(db);
                ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            client.createTable(table("parallel", "id", null, null).build());
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < PER_THREAD; i++) {
                        int index = i;
                        client.putItem(b -> b.tableName("parallel")
                                .item(item("id", s(thread + "-" + index), "n", n(index))));
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }

            assertEquals(THREADS * PER_THREAD, client.scanPaginator(b -> b.tableName("parallel")).items().stream()
                    .count());
        }
    }

    @Test
    void concurrentAtomicCounters_neverLoseAnIncrement() throws Exception {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(); DynamoDbClient client = Fixtures.client(db);
                ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            client.createTable(table("counter", "id", null, null).build());
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < PER_THREAD; i++) {
                        client.updateItem(b -> b.tableName("counter").key(item("id", s("total")))
                                .updateExpression("ADD hits :one").expressionAttributeValues(Map.of(":one", n(1))));
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }

            assertEquals(String.valueOf(THREADS * PER_THREAD), client.getItem(b -> b.tableName("counter")
                    .key(item("id", s("total")))).item().get("hits").n());
        }
    }

    @Test
    void concurrentConditionalCreates_exactlyOneWins() throws Exception {
        try (EmbeddedDynamoDb db = EmbeddedDynamoDb.start(); DynamoDbClient client = Fixtures.client(db);
                ExecutorService pool = Executors.newFixedThreadPool(THREADS)) {
            client.createTable(table("locks", "id", null, null).build());
            AtomicInteger winners = new AtomicInteger();
            AtomicInteger losers = new AtomicInteger();
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    try {
                        client.putItem(b -> b.tableName("locks").item(item("id", s("leader"), "owner", n(thread)))
                                .conditionExpression("attribute_not_exists(id)"));
                        winners.incrementAndGet();
                    } catch (ConditionalCheckFailedException e) {
                        losers.incrementAndGet();
                    }
                }));
            }
            for (Future<?> future : futures) {
                future.get();
            }

            assertEquals(1, winners.get());
            assertEquals(THREADS - 1, losers.get());
        }
    }
}
