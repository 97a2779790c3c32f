package relay.aws.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import relay.core.Json;
import relay.core.responses.ResponseStore;
import relay.core.responses.StoredResponse;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ReturnValue;

/**
 * Stored responses in DynamoDB ({@link ResponseStoreTable}), shared by every Lambda instance. The
 * response and its conversation are kept gzipped in one item; a conversation that does not fit an
 * item even so is not stored (its follow-ups get a 404 naming the id), and the put says so.
 */
public final class DynamoDbResponseStore implements ResponseStore {
    /** DynamoDB's item limit is 400 KB; this leaves room for the key and the other attributes. */
    static final int MAX_BODY_BYTES = 380 * 1024;

    private final DynamoDbClient dynamoDb;
    private final String table;
    private final Clock clock;

    public DynamoDbResponseStore(DynamoDbClient dynamoDb, String table, Clock clock) {
        this.dynamoDb = dynamoDb;
        this.table = table;
        this.clock = clock;
    }

    /** Thrown by {@link #put} for a response whose conversation is too large for one item. */
    public static final class TooLarge extends IllegalStateException {
        TooLarge(String id, int bytes) {
            super("response " + id + " is " + bytes + " bytes compressed; an item holds at most " + MAX_BODY_BYTES);
        }
    }

    @Override
    public void put(StoredResponse response) {
        ObjectNode body = Json.object();
        body.set("response", response.response());
        body.set("input", response.input());
        byte[] compressed = gzip(Json.writeBytes(body));
        if (compressed.length > MAX_BODY_BYTES) throw new TooLarge(response.id(), compressed.length);
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(ResponseStoreTable.PARTITION_KEY, AttributeValue.fromS(response.id()));
        if (response.owner() != null) item.put("owner", AttributeValue.fromS(response.owner()));
        item.put("body", AttributeValue.fromB(SdkBytes.fromByteArray(compressed)));
        item.put(ResponseStoreTable.TTL_ATTRIBUTE, AttributeValue.fromN(Long.toString(response.expiresAt().getEpochSecond())));
        dynamoDb.putItem(b -> b.tableName(table).item(item));
    }

    /** Read consistently: a follow-up sent the moment its answer arrived must find it. TTL deletes late, so expiry is checked here. */
    @Override
    public Optional<StoredResponse> get(String id) {
        Map<String, AttributeValue> item = dynamoDb.getItem(b -> b.tableName(table).consistentRead(true)
                .key(Map.of(ResponseStoreTable.PARTITION_KEY, AttributeValue.fromS(id)))).item();
        if (item == null || item.isEmpty()) return Optional.empty();
        Instant expires = Instant.ofEpochSecond(Long.parseLong(item.get(ResponseStoreTable.TTL_ATTRIBUTE).n()));
        if (!expires.isAfter(clock.instant())) return Optional.empty();
        JsonNode body;
        try {
            body = Json.MAPPER.readTree(gunzip(item.get("body").b().asByteArray()));
        } catch (IOException e) {
            throw new UncheckedIOException("stored response " + id + " is unreadable", e);
        }
        AttributeValue owner = item.get("owner");
        return Optional.of(new StoredResponse(id, owner == null ? null : owner.s(), (ObjectNode) body.get("response"),
                (ArrayNode) body.get("input"), expires));
    }

    @Override
    public boolean delete(String id) {
        var old = dynamoDb.deleteItem(b -> b.tableName(table).returnValues(ReturnValue.ALL_OLD)
                .key(Map.of(ResponseStoreTable.PARTITION_KEY, AttributeValue.fromS(id)))).attributes();
        return old != null && !old.isEmpty();
    }

    private static byte[] gzip(byte[] bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length / 4 + 64);
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** At most 64 MB unpacked: what Relay wrote is far smaller; anything larger is not Relay's item. */
    private static byte[] gunzip(byte[] bytes) throws IOException {
        try (InputStream zip = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
            byte[] out = zip.readNBytes(64 * 1024 * 1024 + 1);
            if (out.length > 64 * 1024 * 1024) throw new IOException("too large unpacked");
            return out;
        }
    }
}
