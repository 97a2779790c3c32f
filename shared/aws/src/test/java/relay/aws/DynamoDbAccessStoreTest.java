package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.aws.keys.AccessTable;
import relay.aws.keys.DynamoDbAccessStore;
import relay.core.access.AccessStore;
import relay.core.access.CounterUpdate;
import relay.core.access.InMemoryAccessStore;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;

/** The DynamoDB store means what the in-memory twin means: the same steps give the same answers. */
class DynamoDbAccessStoreTest {
    static final String TABLE = AccessTable.LOCAL_NAME;
    static final AtomicInteger IDS = new AtomicInteger();
    static EmbeddedDynamoDb db;
    static DynamoDbClient client;
    static DynamoDbAccessStore store;

    @BeforeAll
    static void start() {
        db = EmbeddedDynamoDb.start();
        client = AwsClients.dynamoDb(Region.US_EAST_1,
                StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIAFAKEFAKEFAKE", "fake")), db.endpoint());
        AccessTable.createIfMissing(client, TABLE);
        AccessTable.createIfMissing(client, TABLE); // a second start finds it there
        store = new DynamoDbAccessStore(client, TABLE);
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (db != null) db.close();
    }

    static BigDecimal n(String value) {
        return new BigDecimal(value);
    }

    @Test
    void counterUpdates_answerAsTheInMemoryStoreDoes() {
        String id = "key#" + IDS.incrementAndGet();
        AccessStore twin = new InMemoryAccessStore();
        List<CounterUpdate> steps = List.of(
                CounterUpdate.builder().add("used_0", n("0.5")).add("resv_0_9", n("0.5"))
                        .require(new CounterUpdate.AtMost("used_0", n("0.5"))).build(),
                CounterUpdate.builder().add("used_0", n("0.6")).require(new CounterUpdate.AtMost("used_0", n("0.4"))).build(),
                CounterUpdate.builder().add("active", 1).require(new CounterUpdate.Below("active", n("1"))).build(),
                CounterUpdate.builder().add("active", 1).require(new CounterUpdate.Below("active", n("1"))).build(),
                CounterUpdate.builder().add("resv_0_9", n("-0.5")).add("used_0", n("-0.25")).add("spent_0", n("0.25"))
                        .require(new CounterUpdate.Present("resv_0_9")).build(),
                CounterUpdate.builder().remove("resv_0_9").require(new CounterUpdate.Equal("resv_0_9", n("0"))).build(),
                CounterUpdate.builder().add("spent_0", n("1")).require(new CounterUpdate.Present("resv_0_9")).build(),
                CounterUpdate.builder().add("active", -1).remove("rpm_1").require(new CounterUpdate.Equal("active", n("1"))).build(),
                CounterUpdate.builder().add("tiny", n("0.000000000000000001")).add("big", n("123456789012345678901234567")).build());

        List<String> answers = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (CounterUpdate step : steps) {
            answers.add(describe(store.update(id, step)));
            expected.add(describe(twin.update(id, step)));
        }

        assertEquals(expected, answers);
        assertEquals(canonical(twin.counters(id)), canonical(store.counters(id)));
        assertEquals("[true, false, true, false, true, true, false, true, true]",
                answers.stream().map(a -> a.substring(0, a.indexOf(' '))).toList().toString());
    }

    @Test
    void definitions_areWrittenOnlyAtTheVersionExpected() {
        String id = "hash" + IDS.incrementAndGet();
        assertTrue(store.put(AccessStore.Kind.KEY, id, "{\"a\":1}", 0));
        assertFalse(store.put(AccessStore.Kind.KEY, id, "{\"a\":2}", 0), "it exists");
        assertFalse(store.put(AccessStore.Kind.KEY, id, "{\"a\":2}", 7), "wrong version");
        assertTrue(store.put(AccessStore.Kind.KEY, id, "{\"a\":2}", 1));
        assertEquals(new AccessStore.Stored("{\"a\":2}", 2), store.find(AccessStore.Kind.KEY, id).orElseThrow());
        assertTrue(store.find(AccessStore.Kind.TEAM, id).isEmpty(), "kinds are apart");

        String moved = "hash" + IDS.incrementAndGet();
        assertFalse(store.replace(AccessStore.Kind.KEY, id, 1, moved, "{}"), "stale version: nothing changes");
        assertTrue(store.find(AccessStore.Kind.KEY, moved).isEmpty());
        assertTrue(store.replace(AccessStore.Kind.KEY, id, 2, moved, "{\"a\":3}"));
        assertTrue(store.find(AccessStore.Kind.KEY, id).isEmpty());
        assertEquals(1, store.find(AccessStore.Kind.KEY, moved).orElseThrow().version());
        assertTrue(store.all(AccessStore.Kind.KEY).stream().anyMatch(s -> s.document().equals("{\"a\":3}")));

        assertTrue(store.delete(AccessStore.Kind.KEY, moved));
        assertFalse(store.delete(AccessStore.Kind.KEY, moved));
    }

    @Test
    void listingKeys_readsEveryPage() {
        for (int i = 0; i < 40; i++) {
            store.put(AccessStore.Kind.TEAM, "team-" + IDS.incrementAndGet(), "{\"pad\":\"" + "x".repeat(40_000) + "\"}", 0);
        }
        // 40 items of 40 KB pass DynamoDB's 1 MB page.
        assertTrue(store.all(AccessStore.Kind.TEAM).size() >= 40);
        assertTrue(client.scan(ScanRequest.builder().tableName(TABLE).build()).count() > 0);
    }

    private static String describe(AccessStore.CounterResult result) {
        return result.applied() + " " + canonical(result.before());
    }

    private static Map<String, String> canonical(Map<String, BigDecimal> item) {
        Map<String, String> sorted = new TreeMap<>();
        item.forEach((k, v) -> sorted.put(k, v.stripTrailingZeros().toPlainString()));
        return sorted;
    }
}
