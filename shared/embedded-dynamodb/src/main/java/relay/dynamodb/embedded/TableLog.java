package relay.dynamodb.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A table's persistent form: one JSON-lines file per table. The first line holds the schema; each later line is a
 * put, a delete or a TTL setting, appended (and handed to the OS) before the change is applied in memory. When the
 * log grows well past the live data it is rewritten as a snapshot into a temporary file and moved into place
 * atomically.
 *
 * <p>A disk that fills up cuts appends short. A failed append is cut back off the file, and when even that fails
 * the next record starts on a fresh line, so a torn record never swallows the next one. Loading skips torn lines
 * wherever they are and reports how many; it never refuses to load the rest.
 */
final class TableLog implements AutoCloseable {
    static final String SUFFIX = ".table.jsonl";
    private static final int MIN_ENTRIES_BEFORE_COMPACTION = 1000;
    /** Rejects {@code {...}{...}}: two records glued together by a lost newline are one torn line, not the first. */
    private static final ObjectReader ENTRY_READER = Json.MAPPER.readerFor(JsonNode.class)
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final byte NEWLINE = '\n';

    /** How table files are opened, and where problems with them are reported (one line each). */
    record Storage(LogFile.Opener opener, Consumer<String> warnings) {
    }

    /** What a log replays to; {@code skippedLines} counts the torn lines left out. */
    record Contents(TableSchema schema, String ttlAttribute, Collection<ObjectNode> items, int skippedLines) {
    }

    /** A file that holds no schema line: not a table log this server can load. */
    static final class UnreadableLogException extends IOException {
        UnreadableLogException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final Storage storage;
    private LogFile out;
    /** The file's length up to the end of its last whole record. */
    private long length;
    /** A failed append could not be cut back off: the file may end inside a record. */
    private boolean torn;
    private long entries;
    private long compactAfter = MIN_ENTRIES_BEFORE_COMPACTION;

    private TableLog(Path file, Storage storage) throws IOException {
        this.file = file;
        this.storage = storage;
        open();
    }

    /**
     * The table's file. The hash of the exact name keeps tables whose names differ only in case apart on
     * case-insensitive file systems; loading reads the name from the file, not from its file name.
     */
    static Path fileFor(Path directory, String tableName) {
        return directory.resolve(tableName + "." + Integer.toHexString(tableName.hashCode()) + SUFFIX);
    }

    static TableLog create(Path directory, TableSchema schema, Storage storage) {
        Path file = fileFor(directory, schema.name());
        try {
            writeSnapshot(file, schema, null, List.of(), storage.opener());
            return new TableLog(file, storage);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create the table file " + file, e);
        }
    }

    /** A loaded table: what its file replays to, and the log to append to. */
    record Loaded(Contents contents, TableLog log) {
    }

    /**
     * Replays a table's file, rewrites it as a compact snapshot (keeping it as it is if that fails, e.g. on a full
     * disk) and opens it for appending.
     */
    static Loaded load(Path file, Storage storage) throws IOException {
        Contents contents = replay(file);
        if (contents.skippedLines() > 0) {
            storage.warnings().accept("Embedded DynamoDB: skipped " + contents.skippedLines() + " torn line"
                    + (contents.skippedLines() == 1 ? "" : "s") + " in " + file
                    + " (writes cut short, e.g. by a full disk); loaded the rest of table "
                    + contents.schema().name());
        }
        try {
            writeSnapshot(file, contents.schema(), contents.ttlAttribute(),
                    contents.items().stream().map(StoredItem::of).toList(), storage.opener());
        } catch (IOException e) {
            storage.warnings().accept("Embedded DynamoDB: could not compact " + file + " (" + e
                    + "); appending to it as it is");
        }
        return new Loaded(contents, new TableLog(file, storage));
    }

    /** Reads a log file; torn lines anywhere are skipped and counted. */
    static Contents replay(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        TableSchema schema = null;
        String ttl = null;
        TreeMap<List<KeyValue>, ObjectNode> items = null;
        int skipped = 0;
        int start = 0;
        while (start < bytes.length) {
            int end = start;
            while (end < bytes.length && bytes[end] != NEWLINE) {
                end++;
            }
            JsonNode entry = parseLine(bytes, start, end);
            start = end + 1;
            if (entry == null) {
                continue; // blank
            }
            if (entry.has("schema") && entry.get("schema").isObject()) {
                try {
                    schema = Json.MAPPER.treeToValue(entry.get("schema"), TableSchema.class);
                    items = new TreeMap<>(KeyValue.ORDER);
                    continue;
                } catch (JsonProcessingException | IllegalArgumentException e) {
                    skipped++;
                    continue;
                }
            }
            if (schema == null || !apply(schema, entry, items)) {
                skipped++;
                continue;
            }
            if (entry.has("ttl")) {
                JsonNode attribute = entry.get("ttl");
                ttl = attribute.isNull() ? null : attribute.asText();
            }
        }
        if (schema == null) {
            throw new UnreadableLogException("Table file " + file + " holds no table schema");
        }
        return new Contents(schema, ttl, items.values(), skipped);
    }

    /** The entry on one line; null for a blank line, {@link Json#object()} with nothing in it for a torn one. */
    private static JsonNode parseLine(byte[] bytes, int start, int end) {
        String line;
        try {
            line = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes, start, end - start)).toString();
        } catch (CharacterCodingException e) {
            return Json.object(); // cut inside a multi-byte character
        }
        if (line.isBlank()) {
            return null;
        }
        try {
            JsonNode entry = ENTRY_READER.readTree(line);
            return entry != null && entry.isObject() ? entry : Json.object();
        } catch (JsonProcessingException e) {
            return Json.object();
        }
    }

    /** Applies a put, a delete or a TTL entry; false for anything else, such as a line cut inside a value. */
    private static boolean apply(TableSchema schema, JsonNode entry, TreeMap<List<KeyValue>, ObjectNode> items) {
        if (entry.size() != 1) {
            return false;
        }
        if (entry.has("ttl")) {
            return entry.get("ttl").isTextual() || entry.get("ttl").isNull();
        }
        JsonNode body = entry.has("put") ? entry.get("put") : entry.get("delete");
        if (!(body instanceof ObjectNode item)) {
            return false;
        }
        List<KeyValue> key;
        try {
            key = schema.keyOf(item);
        } catch (RuntimeException e) {
            return false;
        }
        if (key.contains(null)) {
            return false;
        }
        if (entry.has("put")) {
            items.put(key, item);
        } else {
            items.remove(key);
        }
        return true;
    }

    void put(StoredItem item) {
        append(putLine(item));
    }

    void delete(ObjectNode key) {
        append(Json.bytes(Json.object().set("delete", key)));
    }

    void ttl(String attribute) {
        append(Json.bytes(Json.object().put("ttl", attribute)));
    }

    private static final byte[] PUT_START = "{\"put\":".getBytes(StandardCharsets.UTF_8);

    /** {@code {"put":ITEM}} from the item's stored bytes, without a tree. */
    private static byte[] putLine(StoredItem item) {
        byte[] line = new byte[PUT_START.length + item.json().length + 1];
        System.arraycopy(PUT_START, 0, line, 0, PUT_START.length);
        System.arraycopy(item.json(), 0, line, PUT_START.length, item.json().length);
        line[line.length - 1] = '}';
        return line;
    }

    /**
     * Appends one record as a whole line, or throws leaving none of it behind: a part that reached the file is cut
     * back off, and if even that fails the next record starts on a new line.
     */
    private void append(byte[] entry) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        if (torn) {
            line.write(NEWLINE);
        }
        line.writeBytes(entry);
        line.write(NEWLINE);
        try {
            if (out == null) {
                open();
            }
            out.append(ByteBuffer.wrap(line.toByteArray()));
            length = out.size();
            torn = false;
            entries++;
        } catch (IOException e) {
            cutBack();
            throw new UncheckedIOException("Cannot append to the table file " + file, e);
        }
    }

    private void cutBack() {
        if (out == null) {
            return;
        }
        try {
            out.truncate(length);
        } catch (IOException e) {
            torn = true;
        }
    }

    /**
     * Rewrites the log as a snapshot once it holds many more entries than live items. A failed rewrite (a full
     * disk) leaves the log as it was and is tried again after as many entries more: the change that triggered it
     * is already in the log, so it is reported, never thrown.
     */
    void compactIfLarge(TableSchema schema, String ttl, Collection<StoredItem> items) {
        if (entries < Math.max(compactAfter, 2L * items.size())) {
            return;
        }
        try {
            Path temp = writeTemp(file, schema, ttl, items, storage.opener());
            closeOut();
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } finally {
                Files.deleteIfExists(temp);
                open();
            }
            compactAfter = MIN_ENTRIES_BEFORE_COMPACTION;
        } catch (IOException e) {
            compactAfter = entries + MIN_ENTRIES_BEFORE_COMPACTION;
            storage.warnings().accept("Embedded DynamoDB: could not compact " + file + " (" + e
                    + "); will try again later");
        }
    }

    /** Opens the file for appending; a file that ends inside a record gets its next record on a new line. */
    private void open() throws IOException {
        out = storage.opener().append(file);
        length = out.size();
        torn = length > 0 && lastByte(file) != NEWLINE;
        entries = 0;
    }

    private static int lastByte(Path file) throws IOException {
        try (var channel = java.nio.channels.FileChannel.open(file)) {
            ByteBuffer last = ByteBuffer.allocate(1);
            long size = channel.size();
            return size == 0 || channel.read(last, size - 1) != 1 ? -1 : last.get(0);
        }
    }

    private static void writeSnapshot(Path file, TableSchema schema, String ttl, Collection<StoredItem> items,
            LogFile.Opener opener) throws IOException {
        Path temp = writeTemp(file, schema, ttl, items, opener);
        try {
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Writes a snapshot beside {@code file}; on failure nothing is left behind. */
    private static Path writeTemp(Path file, TableSchema schema, String ttl, Collection<StoredItem> items,
            LogFile.Opener opener) throws IOException {
        Path temp = file.resolveSibling(file.getFileName() + ".tmp");
        try (LogFile out = opener.create(temp)) {
            ByteArrayOutputStream chunk = new ByteArrayOutputStream();
            writeLine(chunk, Json.object().set("schema", Json.MAPPER.valueToTree(schema)));
            if (ttl != null) {
                writeLine(chunk, Json.object().put("ttl", ttl));
            }
            for (StoredItem item : items) {
                chunk.writeBytes(putLine(item));
                chunk.write(NEWLINE);
                if (chunk.size() >= 1 << 16) {
                    out.append(ByteBuffer.wrap(chunk.toByteArray()));
                    chunk.reset();
                }
            }
            out.append(ByteBuffer.wrap(chunk.toByteArray()));
            out.force();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        return temp;
    }

    private static void writeLine(ByteArrayOutputStream out, JsonNode entry) {
        out.writeBytes(Json.bytes(entry));
        out.write(NEWLINE);
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

    private void closeOut() throws IOException {
        LogFile closing = out;
        out = null;
        if (closing != null) {
            closing.close();
        }
    }

    @Override
    public void close() {
        try {
            closeOut();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
