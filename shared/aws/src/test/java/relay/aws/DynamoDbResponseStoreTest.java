package relay.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import relay.aws.responses.DynamoDbResponseStore;
import relay.aws.responses.ResponseStoreTable;
import relay.core.Json;
import relay.core.responses.StoredResponse;
import relay.dynamodb.embedded.EmbeddedDynamoDb;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** Stored responses in a real (embedded) DynamoDB table. */
class DynamoDbResponseStoreTest {
    private static final String TABLE = ResponseStoreTable.LOCAL_NAME;
    private static EmbeddedDynamoDb db;
    private static DynamoDbClient client;

    /** Far enough ahead that the embedded server's TTL sweeper (real time) never deletes what a test stores. */
    private final MutableClock clock = new MutableClock(Instant.now().plus(Duration.ofDays(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    private final DynamoDbResponseStore store = new DynamoDbResponseStore(client, TABLE, clock);

    @BeforeAll
    static void start() {
        db = EmbeddedDynamoDb.start();
        client = AwsClients.dynamoDb(Region.US_EAST_1, StaticCredentialsProvider.create(
                AwsBasicCredentials.create("AKIAFAKEFAKEFAKE", "fake-secret-access-key")), db.endpoint());
        ResponseStoreTable.createIfMissing(client, TABLE);
        ResponseStoreTable.createIfMissing(client, TABLE); // a second start finds it there
    }

    @AfterAll
    static void stop() {
        client.close();
        db.close();
    }

    StoredResponse response(String id, String owner, String text, Duration ttl) {
        ObjectNode body = Json.object().put("id", id).put("object", "response");
        body.putArray("output").addObject().put("type", "message").put("text", text);
        ArrayNode input = Json.MAPPER.createArrayNode();
        input.addObject().put("role", "user").put("content", "hello ü €");
        return new StoredResponse(id, owner, body, input, clock.instant().plus(ttl));
    }

    @Test
    void aResponse_isReadBackWhole_untilItExpires_andCanBeDeleted() {
        StoredResponse stored = response("resp_a", "owner-hash", "answer", Duration.ofMinutes(5));
        store.put(stored);

        StoredResponse read = store.get("resp_a").orElseThrow();
        assertEquals(stored.response(), read.response());
        assertEquals(stored.input(), read.input());
        assertEquals("owner-hash", read.owner());
        assertEquals(stored.expiresAt(), read.expiresAt());
        assertEquals(2, read.conversation().size());

        clock.advance(Duration.ofMinutes(5));
        assertTrue(store.get("resp_a").isEmpty(), "expired, though the table's TTL has not deleted it yet");
        assertTrue(store.delete("resp_a"));
        assertFalse(store.delete("resp_a"));
        assertTrue(store.get("unknown").isEmpty());
    }

    @Test
    void aResponseWithoutOwner_isStoredToo() {
        store.put(response("resp_b", null, "x", Duration.ofHours(1)));
        assertNull(store.get("resp_b").orElseThrow().owner());
    }

    @Test
    void aConversationTooLargeForAnItem_isRefused() {
        byte[] noise = new byte[600 * 1024];
        new Random(7).nextBytes(noise);
        String incompressible = java.util.Base64.getEncoder().encodeToString(noise);
        assertThrows(DynamoDbResponseStore.TooLarge.class, () -> store.put(response("resp_c", null, incompressible, Duration.ofHours(1))));
        assertTrue(store.get("resp_c").isEmpty());
    }
}
