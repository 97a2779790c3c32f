package relay.dynamodb.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;

/**
 * A table's persistent form: one JSON-lines file per table. The first line holds the schema; each later line is a
 * put, a delete or a TTL setting, appended (and flushed to the OS) before the change is applied in memory. When the
 * log grows well past the live data it is rewritten as a snapshot into a temporary file and moved into place
 * atomically. A torn last line, from a crash mid-append, is ignored on load.
 */
final class TableLog implements AutoCloseable {
    static final String SUFFIX = ".table.jsonl";
    private static final int MIN_ENTRIES_BEFORE_COMPACTION = 1000;

    private final Path file;
    private BufferedWriter writer;
    private long entries;

    /** What a log replays to. */
    record Contents(TableSchema schema, String ttlAttribute, Collection<ObjectNode> items) {
    }

    private TableLog(Path file) throws IOException {
        this.file = file;
        open();
    }

    /**
     * The table's file. The hash of the exact name keeps tables whose names differ only in case apart on
     * case-insensitive file systems; loading reads the name from the file, not from its file name.
     */
    static Path fileFor(Path directory, String tableName) {
        return directory.resolve(tableName + "." + Integer.toHexString(tableName.hashCode()) + SUFFIX);
    }

    static TableLog create(Path directory, TableSchema schema) {
        Path file = fileFor(directory, schema.name());
        try {
            writeSnapshot(file, schema, null, List.of());
            return new TableLog(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replays a log file and rewrites it as a compact snapshot; then {@link #reopen} appends to it. */
    static Contents replay(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        TableSchema schema = null;
        String ttl = null;
        TreeMap<List<KeyValue>, ObjectNode> items = null;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) {
                continue;
            }
            ObjectNode entry;
            try {
                entry = Json.parseObject(line);
            } catch (UncheckedIOException e) {
                if (i == lines.size() - 1) {
                    break; // torn final append
                }
                throw new IOException("Corrupt table log " + file + " at line " + (i + 1), e);
            }
            if (entry.has("schema")) {
                schema = Json.MAPPER.treeToValue(entry.get("schema"), TableSchema.class);
                items = new TreeMap<>(KeyValue.ORDER);
            } else if (schema == null) {
                throw new IOException("Table log " + file + " does not start with a schema");
            } else if (entry.has("put")) {
                ObjectNode item = (ObjectNode) entry.get("put");
                items.put(schema.keyOf(item), item);
            } else if (entry.has("delete")) {
                items.remove(schema.keyOf(entry.get("delete")));
            } else if (entry.has("ttl")) {
                JsonNode attribute = entry.get("ttl");
                ttl = attribute.isNull() ? null : attribute.asText();
            }
        }
        if (schema == null) {
            throw new IOException("Table log " + file + " has no schema");
        }
        writeSnapshot(file, schema, ttl, items.values());
        return new Contents(schema, ttl, items.values());
    }

    static TableLog reopen(Path file) throws IOException {
        return new TableLog(file);
    }

    void put(ObjectNode item) {
        append(Json.object().set("put", item));
    }

    void delete(ObjectNode key) {
        append(Json.object().set("delete", key));
    }

    void ttl(String attribute) {
        append(Json.object().put("ttl", attribute));
    }

    private void append(JsonNode entry) {
        try {
            writer.write(Json.string(entry));
            writer.write('\n');
            writer.flush();
            entries++;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Rewrites the log as a snapshot once it holds many more entries than live items. */
    void compactIfLarge(TableSchema schema, String ttl, Collection<ObjectNode> items) {
        if (entries < Math.max(MIN_ENTRIES_BEFORE_COMPACTION, 2L * items.size())) {
            return;
        }
        try {
            writer.close();
            writeSnapshot(file, schema, ttl, items);
            open();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void open() throws IOException {
        OutputStream out = Files.newOutputStream(file, StandardOpenOption.APPEND);
        writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        entries = 0;
    }

    private static void writeSnapshot(Path file, TableSchema schema, String ttl, Collection<ObjectNode> items)
            throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream out = Files.newOutputStream(temp);
                BufferedWriter w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) {
            w.write(Json.string(Json.object().set("schema", Json.MAPPER.valueToTree(schema))));
            w.write('\n');
            if (ttl != null) {
                w.write(Json.string(Json.object().put("ttl", ttl)));
                w.write('\n');
            }
            for (ObjectNode item : items) {
                w.write(Json.string(Json.object().set("put", item)));
                w.write('\n');
            }
        }
        try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            channel.force(true);
        }
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Closes the log and removes the table's file (DeleteTable). */
    void deleteFile() {
        close();
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
