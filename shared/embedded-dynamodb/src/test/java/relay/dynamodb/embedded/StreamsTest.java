package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;
import static relay.dynamodb.embedded.Fixtures.uniqueTableName;

import java.math.BigInteger;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.GetRecordsResponse;
import software.amazon.awssdk.services.dynamodb.model.OperationType;
import software.amazon.awssdk.services.dynamodb.model.Record;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ShardIteratorType;
import software.amazon.awssdk.services.dynamodb.model.StreamDescription;
import software.amazon.awssdk.services.dynamodb.model.StreamStatus;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.streams.DynamoDbStreamsClient;

class StreamsTest {
    private static EmbeddedDynamoDb db;
    private static DynamoDbClient client;
    private static DynamoDbStreamsClient streams;

    @BeforeAll
    static void start() {
        db = EmbeddedDynamoDb.start();
        client = Fixtures.client(db);
        streams = Fixtures.streamsClient(db);
    }

    @AfterAll
    static void stop() {
        streams.close();
        client.close();
        db.close();
    }

    private static String createStreamedTable(String name, StreamViewType viewType) {
        return client.createTable(table(name, "id", null, null)
                .streamSpecification(b -> b.streamEnabled(true).streamViewType(viewType)).build())
                .tableDescription().latestStreamArn();
    }

    private static String iterator(String streamArn, ShardIteratorType type, String sequenceNumber) {
        StreamDescription stream = streams.describeStream(b -> b.streamArn(streamArn)).streamDescription();
        return streams.getShardIterator(b -> b.streamArn(streamArn).shardId(stream.shards().get(0).shardId())
                .shardIteratorType(type).sequenceNumber(sequenceNumber)).shardIterator();
    }

    @Test
    void streamRecords_describeInsertModifyRemoveInOrder_withNewAndOldImages() {
        String name = uniqueTableName("streamed");
        String arn = createStreamedTable(name, StreamViewType.NEW_AND_OLD_IMAGES);
        client.putItem(b -> b.tableName(name).item(item("id", s("a"), "v", n(1))));
        client.updateItem(b -> b.tableName(name).key(item("id", s("a"))).updateExpression("SET v = :v")
                .expressionAttributeValues(Map.of(":v", n(2))));
        client.deleteItem(b -> b.tableName(name).key(item("id", s("a"))));

        GetRecordsResponse response = streams.getRecords(b -> b.shardIterator(
                iterator(arn, ShardIteratorType.TRIM_HORIZON, null)));

        List<Record> records = response.records();
        assertEquals(List.of(OperationType.INSERT, OperationType.MODIFY, OperationType.REMOVE),
                records.stream().map(Record::eventName).toList());
        Record insert = records.get(0);
        assertEquals("1.1", insert.eventVersion());
        assertEquals("aws:dynamodb", insert.eventSource());
        assertEquals("us-east-1", insert.awsRegion());
        assertNotNull(insert.eventID());
        assertEquals(item("id", s("a")), insert.dynamodb().keys());
        assertEquals(item("id", s("a"), "v", n(1)), insert.dynamodb().newImage());
        assertFalse(insert.dynamodb().hasOldImage());
        assertEquals(StreamViewType.NEW_AND_OLD_IMAGES, insert.dynamodb().streamViewType());
        assertTrue(insert.dynamodb().sizeBytes() > 0);
        assertTrue(insert.dynamodb().approximateCreationDateTime().isAfter(Instant.now().minusSeconds(60)));
        Record modify = records.get(1);
        assertEquals(item("id", s("a"), "v", n(1)), modify.dynamodb().oldImage());
        assertEquals(item("id", s("a"), "v", n(2)), modify.dynamodb().newImage());
        Record remove = records.get(2);
        assertEquals(item("id", s("a"), "v", n(2)), remove.dynamodb().oldImage());
        assertFalse(remove.dynamodb().hasNewImage());
        BigInteger first = new BigInteger(insert.dynamodb().sequenceNumber());
        BigInteger second = new BigInteger(modify.dynamodb().sequenceNumber());
        BigInteger third = new BigInteger(remove.dynamodb().sequenceNumber());
        assertTrue(first.compareTo(second) < 0 && second.compareTo(third) < 0);
        assertNotNull(response.nextShardIterator());
    }

    @Test
    void nextShardIterator_continuesWhereThePreviousPageStopped() {
        String name = uniqueTableName("paged");
        String arn = createStreamedTable(name, StreamViewType.KEYS_ONLY);
        for (int i = 0; i < 5; i++) {
            int index = i;
            client.putItem(b -> b.tableName(name).item(item("id", s("k" + index))));
        }

        GetRecordsResponse first = streams.getRecords(b -> b.shardIterator(
                iterator(arn, ShardIteratorType.TRIM_HORIZON, null)).limit(3));
        GetRecordsResponse second = streams.getRecords(b -> b.shardIterator(first.nextShardIterator()));
        GetRecordsResponse empty = streams.getRecords(b -> b.shardIterator(second.nextShardIterator()));
        client.putItem(b -> b.tableName(name).item(item("id", s("late"))));
        GetRecordsResponse late = streams.getRecords(b -> b.shardIterator(empty.nextShardIterator()));

        assertEquals(List.of("k0", "k1", "k2"),
                first.records().stream().map(r -> r.dynamodb().keys().get("id").s()).toList());
        assertEquals(List.of("k3", "k4"),
                second.records().stream().map(r -> r.dynamodb().keys().get("id").s()).toList());
        assertTrue(empty.records().isEmpty());
        assertEquals("late", late.records().get(0).dynamodb().keys().get("id").s());
        assertFalse(first.records().get(0).dynamodb().hasNewImage(), "KEYS_ONLY carries no images");
    }

    @Test
    void shardIterators_latestAndSequenceNumberPositions() {
        String name = uniqueTableName("positions");
        String arn = createStreamedTable(name, StreamViewType.NEW_IMAGE);
        client.putItem(b -> b.tableName(name).item(item("id", s("one"))));
        client.putItem(b -> b.tableName(name).item(item("id", s("two"))));
        String latest = iterator(arn, ShardIteratorType.LATEST, null);
        client.putItem(b -> b.tableName(name).item(item("id", s("three"))));
        List<Record> all = streams.getRecords(b -> b.shardIterator(
                iterator(arn, ShardIteratorType.TRIM_HORIZON, null))).records();
        String secondSequence = all.get(1).dynamodb().sequenceNumber();

        List<Record> fromLatest = streams.getRecords(b -> b.shardIterator(latest)).records();
        List<Record> atSecond = streams.getRecords(b -> b.shardIterator(
                iterator(arn, ShardIteratorType.AT_SEQUENCE_NUMBER, secondSequence))).records();
        List<Record> afterSecond = streams.getRecords(b -> b.shardIterator(
                iterator(arn, ShardIteratorType.AFTER_SEQUENCE_NUMBER, secondSequence))).records();

        assertEquals(List.of("three"), fromLatest.stream().map(r -> r.dynamodb().keys().get("id").s()).toList());
        assertEquals(List.of("two", "three"),
                atSecond.stream().map(r -> r.dynamodb().keys().get("id").s()).toList());
        assertEquals(List.of("three"), afterSecond.stream().map(r -> r.dynamodb().keys().get("id").s()).toList());
    }

    @Test
    void unchangedPut_writesNoStreamRecord() {
        String name = uniqueTableName("idempotent");
        String arn = createStreamedTable(name, StreamViewType.NEW_IMAGE);
        client.putItem(b -> b.tableName(name).item(item("id", s("same"), "v", n(1))));
        client.putItem(b -> b.tableName(name).item(item("id", s("same"), "v", n("1.0"))));
        client.deleteItem(b -> b.tableName(name).key(item("id", s("never-existed"))));

        List<Record> records = streams.getRecords(b -> b.shardIterator(
                iterator(arn, ShardIteratorType.TRIM_HORIZON, null))).records();

        assertEquals(1, records.size());
    }

    @Test
    void listAndDescribeStreams_reportTheTablesStream() {
        String name = uniqueTableName("described");
        String arn = createStreamedTable(name, StreamViewType.NEW_IMAGE);
        client.createTable(table(uniqueTableName("no-stream"), "id", null, null).build());

        var listed = streams.listStreams(b -> b.tableName(name)).streams();
        StreamDescription description = streams.describeStream(b -> b.streamArn(arn)).streamDescription();

        assertEquals(1, listed.size());
        assertEquals(arn, listed.get(0).streamArn());
        assertEquals(name, listed.get(0).tableName());
        assertEquals(StreamStatus.ENABLED, description.streamStatus());
        assertEquals(StreamViewType.NEW_IMAGE, description.streamViewType());
        assertEquals(name, description.tableName());
        assertEquals("shardId-00000000000000000001-00000000", description.shards().get(0).shardId());
        assertNotNull(description.shards().get(0).sequenceNumberRange().startingSequenceNumber());
        assertNull(description.shards().get(0).sequenceNumberRange().endingSequenceNumber());
        assertTrue(streams.listStreams().streams().stream().anyMatch(st -> st.streamArn().equals(arn)));
    }

    @Test
    void describeStream_unknownArn_throwsResourceNotFound() {
        assertThrows(ResourceNotFoundException.class, () -> streams.describeStream(
                b -> b.streamArn("arn:aws:dynamodb:us-east-1:000000000000:table/nope/stream/x")));
    }

    @Test
    void ttlDeletion_isRecordedAsServiceRemoval() {
        String name = uniqueTableName("ttl-stream");
        String arn = createStreamedTable(name, StreamViewType.OLD_IMAGE);
        client.updateTimeToLive(b -> b.tableName(name)
                .timeToLiveSpecification(t -> t.enabled(true).attributeName("exp")));
        client.putItem(b -> b.tableName(name).item(item("id", s("x"), "exp",
                n(Instant.now().getEpochSecond() - 5))));

        db.sweepExpiredItems();
        String iterator = iterator(arn, ShardIteratorType.TRIM_HORIZON, null);
        List<Record> records = streams.getRecords(b -> b.shardIterator(iterator)).records();

        assertEquals(OperationType.REMOVE, records.get(1).eventName());
        assertEquals("Service", records.get(1).userIdentity().type());
        assertEquals("dynamodb.amazonaws.com", records.get(1).userIdentity().principalId());
    }
}
