package relay.dynamodb.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static relay.dynamodb.embedded.Fixtures.item;
import static relay.dynamodb.embedded.Fixtures.n;
import static relay.dynamodb.embedded.Fixtures.s;
import static relay.dynamodb.embedded.Fixtures.table;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.WriteRequest;

/** A data directory on a disk that fills up and frees space again while the server runs. */
class DiskFullTest {
    private static final String TABLE = "logs";

    @TempDir
    Path dataDir;

    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final FillingDisk disk = new FillingDisk();

    private EmbeddedDynamoDb start() {
        return EmbeddedDynamoDb.builder().dataDir(dataDir).logFiles(disk).warnings(warnings::add).start();
    }

    @Test
    void tornLinesInTheMiddleOfATableFile_areSkippedAndReported_andEverythingElseLoads() throws IOException {
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table(TABLE, "id", null, null).build());
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("before"))));
        }
        Path file = TableLog.fileFor(dataDir, TABLE);
        ByteArrayOutputStream torn = new ByteArrayOutputStream();
        torn.writeBytes(Files.readAllBytes(file));
        // A record cut short by the full disk, with the next record written straight after it ...
        torn.writeBytes("{\"put\":{\"id\":{\"S\":\"lo{\"put\":{\"id\":{\"S\":\"glued\"}}}\n".getBytes(StandardCharsets.UTF_8));
        // ... and one cut inside a two-byte character.
        byte[] accented = "{\"put\":{\"id\":{\"S\":\"caf\u00e9\"}}}".getBytes(StandardCharsets.UTF_8);
        torn.writeBytes(Arrays.copyOf(accented, accented.length - 5));
        torn.write('\n');
        torn.writeBytes("{\"put\":{\"id\":{\"S\":\"after\"},\"n\":{\"N\":\"1\"}}}\n".getBytes(StandardCharsets.UTF_8));
        torn.writeBytes("{\"delete\":{\"id\":{\"S\":\"before\"}}}\n".getBytes(StandardCharsets.UTF_8));
        Files.write(file, torn.toByteArray());

        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(Set.of("after"), ids(client));
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("later"))));
        }

        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(file.toString()), warnings.get(0));
        assertTrue(warnings.get(0).contains("skipped 2 torn lines"), warnings.get(0));
        warnings.clear();
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(Set.of("after", "later"), ids(client));
        }
        assertEquals(List.of(), warnings, "the file was rewritten without the torn lines");
    }

    @Test
    void writeThatFailsPartWay_isCutBackOff_soTheFileStaysWhole() throws IOException {
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table(TABLE, "id", null, null).build());
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("a"))));

            disk.fill(12, false);
            DynamoDbException full = assertThrows(DynamoDbException.class,
                    () -> client.putItem(b -> b.tableName(TABLE).item(item("id", s("lost")))));
            assertEquals(500, full.statusCode());
            disk.free();
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("c"))));

            assertEquals(Set.of("a", "c"), ids(client), "the failed write changed nothing");
        }
        assertTrue(Files.readString(TableLog.fileFor(dataDir, TABLE)).lines().allMatch(line -> line.endsWith("}")));

        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(Set.of("a", "c"), ids(client));
        }
        assertEquals(List.of(), warnings);
    }

    @Test
    void writeThatFailsPartWay_andCannotBeCutBack_leavesTheNextRecordOnItsOwnLine() {
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table(TABLE, "id", null, null).build());
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("a"))));

            disk.fill(12, true);
            assertThrows(DynamoDbException.class,
                    () -> client.putItem(b -> b.tableName(TABLE).item(item("id", s("lost")))));
            disk.free();
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("c"))));
        }

        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(Set.of("a", "c"), ids(client));
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("skipped 1 torn line "), warnings.get(0));
    }

    @Test
    void compactionOnAFullDisk_isTriedAgainLater_andWritesGoOn() throws IOException {
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table(TABLE, "id", null, null).build());
            disk.refuseNewFiles(true);
            writeRounds(client, 0, 41); // 1025 log entries for 25 items: compaction is due, and fails

            assertTrue(warnings.stream().anyMatch(w -> w.contains("could not compact")), warnings.toString());
            disk.free();
            writeRounds(client, 41, 82); // due again: this time it succeeds
            assertEquals(25, ids(client).size());
        }
        long lines = Files.readAllLines(TableLog.fileFor(dataDir, TABLE)).size();
        assertTrue(lines < 1000, "the log was compacted once the disk had room: " + lines + " lines");

        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals("81", client.getItem(b -> b.tableName(TABLE).key(item("id", s("k7")))).item().get("round")
                    .n());
        }
    }

    @Test
    void startOnAStillFullDisk_loadsTheTables_andAppendsAfterATornEnd() throws IOException {
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table(TABLE, "id", null, null).build());
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("a"))));
        }
        Path file = TableLog.fileFor(dataDir, TABLE);
        Files.writeString(file, "{\"put\":{\"id\":{\"S\":\"cut", StandardOpenOption.APPEND); // no newline

        disk.refuseNewFiles(true); // no room to rewrite the file at start
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(Set.of("a"), ids(client));
            client.putItem(b -> b.tableName(TABLE).item(item("id", s("b"))));
        }
        assertTrue(warnings.stream().anyMatch(w -> w.contains("could not compact")), warnings.toString());

        disk.free();
        warnings.clear();
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(Set.of("a", "b"), ids(client), "the write after the torn end kept its own line");
        }
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains("skipped 1 torn line "), warnings.get(0));
    }

    @Test
    void fileWithoutASchema_isSetAside_andTheServerStarts() throws IOException {
        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            client.createTable(table(TABLE, "id", null, null).build());
        }
        Path garbage = dataDir.resolve("junk" + TableLog.SUFFIX);
        Files.writeString(garbage, "{\"put\":{\"id\":{\"S\":\"x\"}}}\nnot json\n");

        try (EmbeddedDynamoDb db = start(); DynamoDbClient client = Fixtures.client(db)) {
            assertEquals(List.of(TABLE), client.listTables().tableNames());
        }
        assertFalse(Files.exists(garbage));
        assertTrue(Files.exists(garbage.resolveSibling(garbage.getFileName() + ".unreadable")));
        assertEquals(1, warnings.size(), warnings.toString());
        assertTrue(warnings.get(0).contains(garbage.toString()), warnings.get(0));
    }

    /** Rounds {@code from} to {@code to} (exclusive), each a batch that rewrites items k0..k24. */
    private static void writeRounds(DynamoDbClient client, int from, int to) {
        for (int round = from; round < to; round++) {
            List<WriteRequest> puts = new ArrayList<>();
            for (int k = 0; k < 25; k++) {
                var value = item("id", s("k" + k), "round", n(round));
                puts.add(WriteRequest.builder().putRequest(p -> p.item(value)).build());
            }
            client.batchWriteItem(b -> b.requestItems(Map.of(TABLE, puts)));
        }
    }

    private static Set<String> ids(DynamoDbClient client) {
        return client.scan(b -> b.tableName(TABLE).consistentRead(true)).items().stream().map(i -> i.get("id").s())
                .collect(Collectors.toSet());
    }
}
