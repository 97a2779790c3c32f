package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The change records of one table's stream, in a single shard. Records are kept in memory for DynamoDB's 24-hour
 * retention; sequence numbers start from the wall clock so they keep increasing across restarts.
 */
final class StreamLog {
    static final String SHARD_ID = "shardId-00000000000000000001-00000000";
    private static final long RETENTION_MILLIS = 24 * 60 * 60 * 1000L;

    private final TableSchema schema;
    private final List<Entry> entries = new ArrayList<>();
    private long nextSequence = System.currentTimeMillis() * 1_000_000L;
    private long trimmedBelow;

    /** A record as its JSON bytes: a day of records is then that many byte arrays, not trees of small objects. */
    private record Entry(long sequence, long createdMillis, byte[] json) {
    }

    /** A page of records and the sequence number to continue from. */
    record Page(List<ObjectNode> records, long next) {
    }

    StreamLog(TableSchema schema) {
        this.schema = schema;
    }

    String arn() {
        return schema.streamArn();
    }

    String tableName() {
        return schema.name();
    }

    String label() {
        return schema.stream().label();
    }

    static String format(long sequence) {
        return String.format("%021d", sequence);
    }

    /** Appends the record for one change; {@code oldItem}/{@code newItem} are null for INSERT/REMOVE. */
    synchronized void append(ObjectNode oldItem, ObjectNode newItem, boolean expiredByTtl) {
        long now = System.currentTimeMillis();
        trim(now);
        long sequence = nextSequence++;
        String viewType = schema.stream().viewType();
        ObjectNode image = newItem != null ? newItem : oldItem;

        ObjectNode dynamodb = Json.object();
        dynamodb.put("ApproximateCreationDateTime", now / 1000);
        dynamodb.set("Keys", schema.keyAttributes(image, null));
        if (newItem != null && (viewType.equals("NEW_IMAGE") || viewType.equals("NEW_AND_OLD_IMAGES"))) {
            dynamodb.set("NewImage", newItem);
        }
        if (oldItem != null && (viewType.equals("OLD_IMAGE") || viewType.equals("NEW_AND_OLD_IMAGES"))) {
            dynamodb.set("OldImage", oldItem);
        }
        dynamodb.put("SequenceNumber", format(sequence));
        long size = AttributeValues.itemSize(dynamodb.get("Keys"))
                + (dynamodb.has("NewImage") ? AttributeValues.itemSize(newItem) : 0)
                + (dynamodb.has("OldImage") ? AttributeValues.itemSize(oldItem) : 0);
        dynamodb.put("SizeBytes", size);
        dynamodb.put("StreamViewType", viewType);

        ObjectNode record = Json.object();
        record.put("eventID", UUID.randomUUID().toString().replace("-", ""));
        record.put("eventName", oldItem == null ? "INSERT" : newItem == null ? "REMOVE" : "MODIFY");
        record.put("eventVersion", "1.1");
        record.put("eventSource", "aws:dynamodb");
        record.put("awsRegion", "us-east-1");
        record.set("dynamodb", dynamodb);
        if (expiredByTtl) {
            record.putObject("userIdentity").put("Type", "Service").put("PrincipalId", "dynamodb.amazonaws.com");
        }
        entries.add(new Entry(sequence, now, Json.bytes(record)));
    }

    private void trim(long now) {
        int expired = 0;
        while (expired < entries.size() && entries.get(expired).createdMillis() < now - RETENTION_MILLIS) {
            expired++;
        }
        if (expired > 0) {
            trimmedBelow = entries.get(expired - 1).sequence() + 1;
            entries.subList(0, expired).clear();
        }
    }

    /** The oldest retained position: where a TRIM_HORIZON iterator starts. */
    synchronized long trimHorizon() {
        return entries.isEmpty() ? Math.max(trimmedBelow, nextSequence) : entries.get(0).sequence();
    }

    /** Where a LATEST iterator starts: just past the newest record. */
    synchronized long latest() {
        return nextSequence;
    }

    /** Fails with TrimmedDataAccessException when records at {@code position} have aged out. */
    synchronized void checkRetained(long position) {
        trim(System.currentTimeMillis());
        if (position < trimmedBelow) {
            throw ApiException.trimmedDataAccess("The data you are trying to access has been trimmed.");
        }
    }

    synchronized Page read(long from, int limit) {
        checkRetained(from);
        List<ObjectNode> records = new ArrayList<>();
        int low = 0;
        int high = entries.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (entries.get(mid).sequence() < from) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        long next = from;
        for (int i = low; i < entries.size() && records.size() < limit; i++) {
            records.add(Json.parseObject(entries.get(i).json()));
            next = entries.get(i).sequence() + 1;
        }
        return new Page(records, next);
    }

    ObjectNode describe() {
        ObjectNode d = Json.object();
        d.put("StreamArn", arn());
        d.put("StreamLabel", label());
        d.put("StreamStatus", "ENABLED");
        d.put("StreamViewType", schema.stream().viewType());
        d.put("CreationRequestDateTime", Json.epochSeconds(schema.createdMillis()));
        d.put("TableName", schema.name());
        d.set("KeySchema", schema.keys().toJson());
        ObjectNode shard = d.putArray("Shards").addObject();
        shard.put("ShardId", SHARD_ID);
        shard.putObject("SequenceNumberRange").put("StartingSequenceNumber", format(trimHorizon()));
        return d;
    }
}
